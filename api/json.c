/*
 * json.c: the JSON form of the control API's answers (json.h).
 *
 * This is the conversion recnetctl --json has always printed, moved here so that the HTTP gateway
 * answers with the same bytes: one table says how a value is shown by the key it is under.
 */
#include "api/json.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli/recjson.h"
#include "proto/key.h"
#include "proto/limits.h"

static bool key_is(const uint8_t *k, uint32_t klen, const char *s)
{
    return strlen(s) == klen && memcmp(k, s, klen) == 0;
}

bool api_map_get(mp_cur map, const char *key, mp_cur *val)
{
    uint32_t n;
    if (mp_read_map(&map, &n) < 0)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *k;
        uint32_t klen;
        bool match = false;
        if (mp_peek(&map) == MP_STR) {
            if (mp_read_str(&map, &k, &klen) < 0)
                return false;
            match = key_is(k, klen, key);
        } else if (mp_skip(&map) < 0) {
            return false;
        }
        if (match) {
            *val = map;
            return true;
        }
        if (mp_skip(&map) < 0)
            return false;
    }
    return false;
}

/* ---- Results as JSON ---- */

/* How a value is shown, by the key it is under. */
typedef enum show {
    SHOW_PLAIN,
    SHOW_KEY,       /* bin 32: rn1:... */
    SHOW_HEX,       /* bin: hex */
    SHOW_TIME,      /* uint ms: ISO 8601 */
    SHOW_TIME_ZERO, /* uint ms, 0 for never: ISO 8601 or null */
    SHOW_ECTS,      /* uint hundredths: decimal ECTS, under the key without "_centi" */
} show;

static const struct {
    const char *key;
    show how;
} shows[] = {
    { "author", SHOW_KEY },
    { "key", SHOW_KEY },
    { "id", SHOW_HEX },
    { "timestamp", SHOW_TIME },
    { "at", SHOW_TIME },
    { "time", SHOW_TIME },
    { "connected_since", SHOW_TIME_ZERO },
    { "next_dial", SHOW_TIME_ZERO },
    { "last_frame", SHOW_TIME_ZERO },
    { "ects_centi", SHOW_ECTS },
    { "ects_min_centi", SHOW_ECTS },
    { "total_ects_centi", SHOW_ECTS },
    { "spec_ects_centi", SHOW_ECTS },
    { "valid_from", SHOW_TIME },
    { "valid_until", SHOW_TIME },
    { "valid_at", SHOW_TIME },
    { "spec_registered", SHOW_TIME },
    { "issuer_key_registered", SHOW_TIME },
};

static show show_of(const char *key)
{
    for (size_t i = 0; i < sizeof(shows) / sizeof(shows[0]); i++) {
        if (key != NULL && strcmp(shows[i].key, key) == 0)
            return shows[i].how;
    }
    return SHOW_PLAIN;
}

static json_t *to_json(mp_cur *c, const char *key, unsigned depth)
{
    const uint8_t *s;
    uint32_t n;
    uint64_t u;
    bool b;
    if (depth > MP_DEPTH_MAX)
        return NULL;
    switch (mp_peek(c)) {
    case MP_NIL:
        if (mp_read_nil(c) < 0)
            return NULL;
        return json_null();
    case MP_BOOL:
        if (mp_read_bool(c, &b) < 0)
            return NULL;
        return json_boolean(b);
    case MP_UINT: {
        if (mp_read_uint(c, &u) < 0)
            return NULL;
        show how = show_of(key);
        if ((how == SHOW_TIME || how == SHOW_TIME_ZERO) && u <= RN_TIME_MS_MAX) {
            char t[REC_TIME_BYTES];
            if (how == SHOW_TIME_ZERO && u == 0)
                return json_null();
            rec_time_format(u, t);
            return json_string(t);
        }
        if (how == SHOW_ECTS && u <= UINT32_MAX)
            return rec_ects_json((uint32_t)u);
        return json_integer((json_int_t)u);
    }
    case MP_STR:
        if (mp_read_str(c, &s, &n) < 0)
            return NULL;
        return json_stringn((const char *)s, n);
    case MP_BIN: {
        if (mp_read_bin(c, &s, &n) < 0)
            return NULL;
        show how = show_of(key);
        if (how == SHOW_KEY && n == PROTO_KEY_BYTES) {
            char text[PROTO_KEY_TEXT_LEN + 1];
            proto_key_text_format(s, text);
            return json_string(text);
        }
        if (how == SHOW_HEX || n <= 64) {
            char *hex = malloc(2 * (size_t)n + 1);
            if (hex == NULL)
                return NULL;
            rec_hex(s, n, hex);
            json_t *j = json_string(hex);
            free(hex);
            return j;
        }
        size_t blen = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
        char *b64 = malloc(blen);
        if (b64 == NULL)
            return NULL;
        sodium_bin2base64(b64, blen, s, n, sodium_base64_VARIANT_ORIGINAL);
        json_t *j = json_string(b64);
        free(b64);
        return j;
    }
    case MP_ARRAY: {
        if (mp_read_array(c, &n) < 0)
            return NULL;
        json_t *a = json_array();
        for (uint32_t i = 0; a != NULL && i < n; i++) {
            json_t *item = to_json(c, key, depth + 1);
            if (item == NULL || json_array_append_new(a, item) < 0) {
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
            const uint8_t *k;
            uint32_t klen;
            char kbuf[64];
            if (mp_read_str(c, &k, &klen) < 0 || klen >= sizeof(kbuf)) {
                json_decref(o);
                return NULL;
            }
            memcpy(kbuf, k, klen);
            kbuf[klen] = '\0';
            json_t *v = to_json(c, kbuf, depth + 1);
            /* Hundredths of ECTS go out as ECTS, under the name without "_centi". */
            if (show_of(kbuf) == SHOW_ECTS && klen > 6)
                kbuf[klen - 6] = '\0';
            if (v == NULL || json_object_set_new(o, kbuf, v) < 0) {
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

json_t *api_json_from_mp(mp_cur v)
{
    return to_json(&v, NULL, 0);
}

void api_json_drop_proof(json_t *res, mp_cur raw)
{
    mp_cur v;
    const uint8_t *b;
    uint32_t n = 0;
    if (api_map_get(raw, "proof", &v) && mp_read_bin(&v, &b, &n) == 0)
        json_object_set_new(res, "proof_bytes", json_integer(n));
    json_object_del(res, "proof");
}

json_t *api_json_record(mp_cur result)
{
    mp_cur v;
    const uint8_t *b;
    uint32_t n;
    rec_err e;
    if (!api_map_get(result, "bytes", &v) || mp_read_bin(&v, &b, &n) < 0)
        return NULL;
    return rec_entry_to_json(b, n, &e);
}

char *api_json_text(const json_t *j)
{
    char *t = json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
    if (t == NULL)
        return NULL;
    size_t n = strlen(t);
    char *out = realloc(t, n + 2);
    if (out == NULL) {
        free(t);
        return NULL;
    }
    out[n] = '\n';
    out[n + 1] = '\0';
    return out;
}
