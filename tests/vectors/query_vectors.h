/*
 * query_vectors.h: what the query vectors' generator (gen_query_vectors.c) and their test
 * (tests/unit/query_vectors_test.c) share: a replica holding the vectors' entries, a node core over
 * it, and one question of proto/query_vectors.json asked through the control API (PROTOCOL.md
 * sections 12.3 and 14) with its result converted to the file's JSON form.
 *
 * The generator asks each question of the replica it built and writes the answer; the test
 * ingests the committed entries into a fresh replica and asks again. Both go through node_control,
 * the node's own entry point, so that the answers are the result maps a client receives.
 *
 * JSON form of a result: maps with string keys as objects, byte strings as lower-case hex,
 * unsigned integers as integers, nil as null; the `at` and `proof` of a result are left out (the
 * question states `at`, and a bundle is checked by proof verification, not here). An error is
 * {"error": "RN_E..."}.
 *
 * Header-only, static functions: included by exactly one translation unit of each program.
 */
#ifndef RN_QUERY_VECTORS_H
#define RN_QUERY_VECTORS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "node/core.h"
#include "proto/error.h"
#include "proto/key.h"
#include "proto/limits.h"
#include "proto/mp.h"
#include "store/store.h"

/* The node that answers is a mirror of the vectors' roster, its key from this label. */
#define QV_MIRROR_LABEL "recnet query vectors: mirror"

/* The time the answering node believes it is (the questions all state their own `at`). */
#define QV_NOW_MS 1767225600000ull /* 2026-01-01 */

typedef struct qv_ctx {
    char dir[64];
    store s;
    node *n;
    mp_buf resp;
} qv_ctx;

/* A secret key and its public key from a label: the seed is BLAKE2b-256 of the label. */
static inline void qv_key(const char *label, uint8_t sk[PROTO_SK_BYTES],
                          uint8_t pk[PROTO_KEY_BYTES])
{
    uint8_t seed[PROTO_SEED_BYTES];
    crypto_generichash(seed, sizeof(seed), (const uint8_t *)label, strlen(label), NULL, 0);
    proto_key_sk_derive(seed, sk, pk);
    sodium_memzero(seed, sizeof(seed));
}

/* A fresh replica in a temporary directory with roster `ro`, and a mirror's node core over it.
 * Returns 0 or an RN_E code. */
static inline int qv_open(qv_ctx *q, const proto_roster *ro)
{
    node_config cfg;
    uint8_t pk[PROTO_KEY_BYTES];
    memset(q, 0, sizeof(*q));
    snprintf(q->dir, sizeof(q->dir), "/tmp/query_vectors.XXXXXX");
    if (mkdtemp(q->dir) == NULL)
        return RN_EIO;
    RN_TRY(store_open(&q->s, q->dir, NULL));
    RN_TRY(store_roster_set(&q->s, ro));
    memset(&cfg, 0, sizeof(cfg));
    qv_key(QV_MIRROR_LABEL, cfg.sk, pk);
    cfg.rng_seed = 1;
    RN_TRY(node_new(&q->n, &q->s, &cfg, QV_NOW_MS));
    mp_buf_init(&q->resp, RN_CONTROL_RESPONSE_BYTES_MAX);
    return 0;
}

/* ---- JSON <-> MessagePack ---- */

/* Appends the parameter `v` of a question: strings, unsigned integers, null, arrays, and objects
 * as maps with string keys in the object's order; a string under the key "issuer_key" or
 * "credential" (a verify claim's) is hex for a byte string. Returns 0 or RN_EINVAL. */
static inline int qv_put(mp_buf *b, json_t *v, const char *key)
{
    if (json_is_null(v)) {
        mp_put_nil(b);
    } else if (json_is_integer(v) && json_integer_value(v) >= 0) {
        mp_put_uint(b, (uint64_t)json_integer_value(v));
    } else if (json_is_string(v) && key != NULL &&
               (strcmp(key, "issuer_key") == 0 || strcmp(key, "credential") == 0)) {
        uint8_t bin[64];
        size_t n = 0;
        const char *s = json_string_value(v);
        if (sodium_hex2bin(bin, sizeof(bin), s, strlen(s), NULL, &n, NULL) != 0)
            return RN_EINVAL;
        mp_put_bin(b, bin, n);
    } else if (json_is_string(v)) {
        mp_put_str(b, json_string_value(v), json_string_length(v));
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        mp_put_array(b, (uint32_t)json_array_size(v));
        json_array_foreach(v, i, x) RN_TRY(qv_put(b, x, NULL));
    } else if (json_is_object(v)) {
        const char *k;
        json_t *x;
        mp_put_map(b, (uint32_t)json_object_size(v));
        json_object_foreach(v, k, x)
        {
            mp_put_cstr(b, k);
            RN_TRY(qv_put(b, x, k));
        }
    } else {
        return RN_EINVAL;
    }
    return 0;
}

/* The JSON form of the MessagePack value at `c` (NULL when it does not convert). */
static inline json_t *qv_json(mp_cur *c, unsigned depth)
{
    const uint8_t *s;
    uint32_t n;
    uint64_t u;
    bool bo;
    if (depth > MP_DEPTH_MAX)
        return NULL;
    switch (mp_peek(c)) {
    case MP_NIL:
        return mp_read_nil(c) == 0 ? json_null() : NULL;
    case MP_BOOL:
        return mp_read_bool(c, &bo) == 0 ? json_boolean(bo) : NULL;
    case MP_UINT:
        return mp_read_uint(c, &u) == 0 ? json_integer((json_int_t)u) : NULL;
    case MP_STR:
        return mp_read_str(c, &s, &n) == 0 ? json_stringn((const char *)s, n) : NULL;
    case MP_BIN: {
        if (mp_read_bin(c, &s, &n) < 0)
            return NULL;
        char *h = malloc(2 * (size_t)n + 1);
        if (h == NULL)
            return NULL;
        sodium_bin2hex(h, 2 * (size_t)n + 1, s, n);
        json_t *j = json_string(h);
        free(h);
        return j;
    }
    case MP_ARRAY: {
        if (mp_read_array(c, &n) < 0)
            return NULL;
        json_t *a = json_array();
        for (uint32_t i = 0; a != NULL && i < n; i++) {
            json_t *x = qv_json(c, depth + 1);
            if (x == NULL || json_array_append_new(a, x) < 0) {
                json_decref(a);
                return NULL;
            }
        }
        return a;
    }
    case MP_MAP: {
        if (mp_read_map(c, &n) < 0)
            return NULL;
        json_t *o = json_object();
        for (uint32_t i = 0; o != NULL && i < n; i++) {
            char k[64];
            uint32_t klen;
            if (mp_read_str(c, &s, &klen) < 0 || klen >= sizeof(k)) {
                json_decref(o);
                return NULL;
            }
            memcpy(k, s, klen);
            k[klen] = '\0';
            json_t *x = qv_json(c, depth + 1);
            if (x == NULL || json_object_set_new(o, k, x) < 0) {
                json_decref(o);
                return NULL;
            }
        }
        return o;
    }
    default:
        return NULL;
    }
}

/* ---- Asking ---- */

/* Where `at` goes among a method's parameters (PROTOCOL.md section 12.2). */
static inline int qv_at_index(const char *query)
{
    return strcmp(query, "search") == 0 ? 1 : 3;
}

/*
 * Asks `question` ({query, at, args} and, for a bitemporal question, valid_at: the last
 * parameter, after every other) and returns its answer in the file's JSON form (a new
 * reference), or NULL when the question is malformed or the response does not convert.
 */
static inline json_t *qv_ask(qv_ctx *q, json_t *question)
{
    const char *query = json_string_value(json_object_get(question, "query"));
    json_t *at = json_object_get(question, "at"), *args = json_object_get(question, "args");
    json_t *valid_at = json_object_get(question, "valid_at");
    mp_buf req;
    json_t *out = NULL;
    if (query == NULL || !json_is_integer(at) || !json_is_array(args) ||
        (valid_at != NULL && !json_is_integer(valid_at)))
        return NULL;
    size_t nargs = json_array_size(args);
    int at_i = qv_at_index(query);
    mp_buf_init(&req, RN_CONTROL_REQUEST_BYTES_MAX);
    mp_put_array(&req, 4);
    mp_put_uint(&req, 0);
    mp_put_uint(&req, 1);
    mp_put_cstr(&req, query);
    mp_put_array(&req, (uint32_t)nargs + 1u + (valid_at != NULL ? 1u : 0u));
    for (size_t i = 0, a = 0; i <= nargs; i++) {
        if ((int)i == at_i) {
            mp_put_uint(&req, (uint64_t)json_integer_value(at));
            continue;
        }
        if (qv_put(&req, json_array_get(args, a++), NULL) < 0)
            goto out;
    }
    if (valid_at != NULL)
        mp_put_uint(&req, (uint64_t)json_integer_value(valid_at));
    mp_buf_reset(&q->resp);
    if (mp_buf_err(&req) != 0 || node_control(q->n, req.data, req.len, &q->resp, QV_NOW_MS) < 0)
        goto out;
    /* [1, msgid, error, result] */
    mp_cur c;
    uint32_t n;
    uint64_t u;
    mp_cur_init(&c, q->resp.data, q->resp.len);
    if (mp_read_array(&c, &n) < 0 || n != 4 || mp_read_uint(&c, &u) < 0 || mp_read_uint(&c, &u) < 0)
        goto out;
    if (mp_peek(&c) != MP_NIL) {
        /* The error map: its `name` comes before `code`, the one negative integer (12.1). */
        const uint8_t *k, *name;
        uint32_t klen, name_len;
        if (mp_read_map(&c, &n) < 0)
            goto out;
        for (uint32_t i = 0; i < n; i++) {
            if (mp_read_str(&c, &k, &klen) < 0)
                goto out;
            if (klen == 4 && memcmp(k, "name", 4) == 0) {
                if (mp_read_str(&c, &name, &name_len) < 0)
                    goto out;
                out = json_object();
                json_object_set_new(out, "error", json_stringn((const char *)name, name_len));
                goto out;
            }
            if (mp_skip(&c) < 0)
                goto out;
        }
        goto out;
    }
    if (mp_read_nil(&c) < 0)
        goto out;
    out = qv_json(&c, 0);
    if (json_is_object(out)) {
        json_object_del(out, "at");
        json_object_del(out, "valid_at");
        json_object_del(out, "proof");
    }
out:
    mp_buf_free(&req);
    return out;
}

static inline void qv_close(qv_ctx *q)
{
    if (q->n != NULL)
        node_free(q->n);
    store_close(&q->s);
    mp_buf_free(&q->resp);
}

#endif /* RN_QUERY_VECTORS_H */
