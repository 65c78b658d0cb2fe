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

#include "api/recjson.h"
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

#define SHOW(k, how)                                                                               \
    {                                                                                              \
        k, sizeof(k) - 1, how                                                                      \
    }
static const struct {
    const char *key;
    size_t len;
    show how;
} shows[] = {
    SHOW("author", SHOW_KEY),
    SHOW("key", SHOW_KEY),
    SHOW("id", SHOW_HEX),
    SHOW("timestamp", SHOW_TIME),
    SHOW("at", SHOW_TIME),
    SHOW("time", SHOW_TIME),
    SHOW("connected_since", SHOW_TIME_ZERO),
    SHOW("next_dial", SHOW_TIME_ZERO),
    SHOW("last_frame", SHOW_TIME_ZERO),
    SHOW("ects_centi", SHOW_ECTS),
    SHOW("ects_min_centi", SHOW_ECTS),
    SHOW("total_ects_centi", SHOW_ECTS),
    SHOW("spec_ects_centi", SHOW_ECTS),
    SHOW("valid_from", SHOW_TIME),
    SHOW("valid_until", SHOW_TIME),
    SHOW("valid_at", SHOW_TIME),
    SHOW("spec_registered", SHOW_TIME),
    SHOW("issuer_key_registered", SHOW_TIME),
};
#undef SHOW

/* The lengths of the keys of `shows`, a bit each: most keys have none of them (show_of_n).
 * shows_check holds it to the table. */
#define SHOW_LENGTHS                                                                               \
    (1ull << 2 | 1ull << 3 | 1ull << 4 | 1ull << 6 | 1ull << 8 | 1ull << 9 | 1ull << 10 |          \
     1ull << 11 | 1ull << 14 | 1ull << 15 | 1ull << 16 | 1ull << 21)

static void shows_check(void)
{
    for (size_t i = 0; i < sizeof(shows) / sizeof(shows[0]); i++)
        RN_ASSERT(shows[i].len < 64 && (SHOW_LENGTHS >> shows[i].len & 1u) != 0);
}

/* How a value under the key k[0..n) is shown (the length first: most keys match none). */
static show show_of_n(const void *k, size_t n)
{
    if (n >= 64 || (SHOW_LENGTHS >> n & 1u) == 0)
        return SHOW_PLAIN;
    for (size_t i = 0; i < sizeof(shows) / sizeof(shows[0]); i++)
        if (shows[i].len == n && memcmp(shows[i].key, k, n) == 0)
            return shows[i].how;
    return SHOW_PLAIN;
}

static show show_of(const char *key)
{
    return key != NULL ? show_of_n(key, strlen(key)) : SHOW_PLAIN;
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

/* ---- The direct writer ---- */

void api_text_init(api_text *t, size_t max)
{
    shows_check();
    memset(t, 0, sizeof(*t));
    t->max = max;
    for (uint32_t i = 0; i < API_TEXT_DAYS; i++)
        t->day[i] = UINT64_MAX;
}

void api_text_free(api_text *t)
{
    free(t->p);
    t->p = NULL;
    t->len = t->cap = 0;
}

/* Grows t for n more bytes: a pointer to them, or NULL (RN_ETOOBIG or RN_ENOMEM in *err). */
static char *grow(api_text *t, size_t n, int *err)
{
    if (n > t->max - t->len) {
        *err = RN_ETOOBIG;
        return NULL;
    }
    size_t cap = t->cap < 4096 ? 4096 : t->cap;
    while (cap - t->len < n)
        cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
    if (cap > t->max)
        cap = t->max;
    char *p = realloc(t->p, cap);
    if (p == NULL) {
        *err = RN_ENOMEM;
        return NULL;
    }
    t->p = p;
    t->cap = cap;
    return t->p + t->len;
}

/* Room for n more bytes: a pointer to them, or NULL (RN_ETOOBIG or RN_ENOMEM in *err). */
static inline char *room_for(api_text *t, size_t n, int *err)
{
    if (t->cap - t->len >= n)
        return t->p + t->len;
    return grow(t, n, err);
}

static int put(api_text *t, const void *s, size_t n)
{
    int err = 0;
    char *o = room_for(t, n, &err);
    if (o == NULL)
        return err;
    memcpy(o, s, n);
    t->len += n;
    return 0;
}

/* "," before every item but the first, then a new line indented for `depth` (two spaces a
 * level), as jansson's JSON_INDENT(2) lays items out. */
static int put_item(api_text *t, bool first, unsigned depth)
{
    int err = 0;
    size_t n = (first ? 1 : 2) + 2 * (size_t)depth;
    char *o = room_for(t, n, &err);
    if (o == NULL)
        return err;
    if (!first)
        *o++ = ',';
    o[0] = '\n';
    memset(o + 1, ' ', 2 * (size_t)depth);
    t->len += n;
    return 0;
}

/* The bytes a JSON string cannot hold as they are: '"', '\\' and the controls. */
static const bool escaped[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
    [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1,
    [0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
    [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1,
    [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, ['"'] = 1,  ['\\'] = 1,
};

/* s[0..n) as a JSON string as jansson dumps it: '"' and '\\' and the controls escaped (the five
 * short forms, \u00XX in capitals for the others), everything else as is. RN_EMALFORMED when
 * it is not valid UTF-8 (json_stringn refuses it). */
static int put_string(api_text *t, const uint8_t *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    int err = 0;
    if (n > (SIZE_MAX - 2) / 6)
        return RN_ETOOBIG;
    size_t i = 0;
    uint8_t high = 0;
    while (i < n && !escaped[s[i]])
        high |= s[i++];
    if (i == n && high < 0x80) {
        /* The common case: ASCII with nothing to escape. */
        char *o = room_for(t, n + 2, &err);
        if (o == NULL)
            return err;
        o[0] = '"';
        memcpy(o + 1, s, n);
        o[n + 1] = '"';
        t->len += n + 2;
        return 0;
    }
    if (!mp_utf8_valid(s, n))
        return RN_EMALFORMED;
    char *o = room_for(t, n + 2, &err);
    if (o == NULL)
        return err;
    o[0] = '"';
    memcpy(o + 1, s, i);
    t->len += 1 + i;
    while (i < n) {
        size_t run = i;
        while (run < n && !escaped[s[run]])
            run++;
        /* The rest and the closing quote, with room for one escape. */
        if ((o = room_for(t, n - i + 7, &err)) == NULL)
            return err;
        memcpy(o, s + i, run - i);
        t->len += run - i;
        o += run - i;
        i = run;
        if (i == n)
            break;
        uint8_t c = s[i++];
        char e = 0;
        switch (c) {
        case '"':
            e = '"';
            break;
        case '\\':
            e = '\\';
            break;
        case '\b':
            e = 'b';
            break;
        case '\f':
            e = 'f';
            break;
        case '\n':
            e = 'n';
            break;
        case '\r':
            e = 'r';
            break;
        case '\t':
            e = 't';
            break;
        default:
            break;
        }
        o[0] = '\\';
        if (e != 0) {
            o[1] = e;
            t->len += 2;
        } else {
            memcpy(o + 1, "u00", 3);
            o[4] = hex[c >> 4];
            o[5] = hex[c & 15];
            t->len += 6;
        }
    }
    if ((o = room_for(t, 1, &err)) == NULL)
        return err;
    o[0] = '"';
    t->len++;
    return 0;
}

/* An integer as jansson's json_integer holds it: json_int_t, so that a uint above INT64_MAX
 * shows as the negative number it wraps to, as the tree path prints it. */
static int put_integer(api_text *t, uint64_t u)
{
    char b[24];
    size_t i = sizeof(b);
    bool neg = (int64_t)u < 0;
    uint64_t m = neg ? (uint64_t)0 - u : u;
    do {
        b[--i] = (char)('0' + m % 10);
        m /= 10;
    } while (m != 0);
    if (neg)
        b[--i] = '-';
    return put(t, b + i, sizeof(b) - i);
}

/* Two digits of v (< 100) at o. */
static void two(char *o, unsigned v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
}

/* A time as rec_time_format writes it: the date from rec_time_format itself (kept for the day,
 * so the calendar has one implementation), the time of day by hand. */
static int put_time(api_text *t, uint64_t ms)
{
    uint64_t day = ms / 86400000u, rem = ms % 86400000u;
    uint32_t k = 0;
    while (k < API_TEXT_DAYS && t->day[k] != day)
        k++;
    if (k == API_TEXT_DAYS) {
        char d[REC_TIME_BYTES];
        rec_time_format(day * 86400000u, d);
        size_t dn = strlen(d);
        k = t->day_next++ % API_TEXT_DAYS;
        RN_ASSERT(dn < sizeof(t->date[k]));
        memcpy(t->date[k], d, dn + 1);
        t->day[k] = day;
    }
    char b[sizeof(t->date[k]) + 20];
    size_t n = strlen(t->date[k]);
    b[0] = '"';
    memcpy(b + 1, t->date[k], n);
    n++;
    if (rem != 0) {
        unsigned h = (unsigned)(rem / 3600000u), mi = (unsigned)(rem / 60000u % 60u),
                 sec = (unsigned)(rem / 1000u % 60u), f = (unsigned)(rem % 1000u);
        b[n++] = 'T';
        two(b + n, h);
        b[n + 2] = ':';
        two(b + n + 3, mi);
        b[n + 5] = ':';
        two(b + n + 6, sec);
        n += 8;
        if (f != 0) {
            b[n++] = '.';
            b[n++] = (char)('0' + f / 100);
            two(b + n, f % 100);
            n += 2;
        }
        b[n++] = 'Z';
    }
    b[n++] = '"';
    return put(t, b, n);
}

/* Hundredths of ECTS as rec_ects_json shows them: an integer when whole, otherwise the real
 * as jansson dumps it with JSON_REAL_PRECISION(15) ("%.15g", and ".0" when it reads as an
 * integer). */
static int put_ects(api_text *t, uint32_t centi)
{
    if (centi % 100 == 0)
        return put_integer(t, centi / 100);
    /* At most ten significant digits: "%.15g" gives the exact decimal, trailing zero cut. */
    RN_TRY(put_integer(t, centi / 100));
    char b[3] = { '.', (char)('0' + centi % 100 / 10), (char)('0' + centi % 10) };
    return put(t, b, centi % 10 == 0 ? 2 : 3);
}

/* A key's text form (proto_key_text_format), from the few kept. */
static const char *key_text(api_text *t, const uint8_t k[PROTO_KEY_BYTES])
{
    for (uint32_t i = 0; i < t->keys_n; i++)
        if (memcmp(t->keys[i], k, PROTO_KEY_BYTES) == 0)
            return t->key_text[i];
    uint32_t i = t->keys_n < API_TEXT_KEYS ? t->keys_n++ : t->key_next++ % API_TEXT_KEYS;
    memcpy(t->keys[i], k, PROTO_KEY_BYTES);
    proto_key_text_format(k, t->key_text[i]);
    return t->key_text[i];
}

static int put_bin(api_text *t, const uint8_t *s, uint32_t n, show how)
{
    int err = 0;
    if (how == SHOW_KEY && n == PROTO_KEY_BYTES) {
        char b[PROTO_KEY_TEXT_LEN + 2];
        b[0] = '"';
        memcpy(b + 1, key_text(t, s), PROTO_KEY_TEXT_LEN);
        b[PROTO_KEY_TEXT_LEN + 1] = '"';
        return put(t, b, sizeof(b));
    }
    if (how == SHOW_HEX || n <= 64) {
        char *o = room_for(t, 2 * (size_t)n + 2, &err);
        if (o == NULL)
            return err;
        static const char digits[] = "0123456789abcdef";
        o[0] = '"';
        for (uint32_t i = 0; i < n; i++) {
            o[1 + 2 * i] = digits[s[i] >> 4];
            o[2 + 2 * i] = digits[s[i] & 15];
        }
        o[1 + 2 * (size_t)n] = '"';
        t->len += 2 * (size_t)n + 2;
        return 0;
    }
    size_t blen = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *o = room_for(t, blen + 1, &err);
    if (o == NULL)
        return err;
    o[0] = '"';
    sodium_bin2base64(o + 1, blen, s, n, sodium_base64_VARIANT_ORIGINAL);
    o[blen] = '"'; /* over the NUL: blen counts it */
    t->len += blen + 1;
    return 0;
}

/* A key the tree path keeps as it is: valid UTF-8 without NUL (ASCII checked here at once).
 * *simple: ASCII with nothing to escape, as nearly every key is. */
static bool plain_key(const uint8_t *k, uint32_t n, bool *simple)
{
    uint8_t high = 0;
    bool esc = false;
    for (uint32_t i = 0; i < n; i++) {
        if (k[i] == 0)
            return false;
        high |= k[i];
        esc |= escaped[k[i]];
    }
    *simple = high < 0x80 && !esc;
    return high < 0x80 || mp_utf8_valid(k, n);
}

/* A map key's name as the tree path keeps it (ECTS without "_centi"). */
typedef struct wkey {
    const uint8_t *name;
    uint32_t len;
} wkey;

static int write_value(api_text *t, mp_cur *c, show how, unsigned depth, unsigned flags);

static int write_map(api_text *t, mp_cur *c, unsigned depth, unsigned flags)
{
    uint32_t n;
    if (mp_read_map(c, &n) < 0)
        return RN_EMALFORMED;
    if (n > API_JSON_MAP_KEYS_MAX)
        return RN_EINVAL;
    bool drop = depth == 0 && (flags & API_JSON_DROP_PROOF) != 0, proof = false;
    uint32_t proof_len = 0, items = 0;
    wkey seen[API_JSON_MAP_KEYS_MAX];
    uint64_t bloom = 0; /* a bit per name seen, by length and ends: most maps need no scan */
    RN_TRY(put(t, "{", 1));
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *k;
        uint32_t klen;
        if (mp_read_str(c, &k, &klen) < 0)
            return RN_EMALFORMED;
        /* The tree path keeps keys of at most 63 bytes in a C string (json_object_set_new). */
        bool simple;
        if (klen > 63 || !plain_key(k, klen, &simple))
            return RN_EINVAL;
        show how = show_of_n(k, klen);
        uint32_t nlen = how == SHOW_ECTS && klen > 6 ? klen - 6 : klen;
        uint64_t bit = 1ull << ((nlen * 7u + (nlen > 0 ? k[0] * 3u + k[nlen - 1] : 0u)) & 63u);
        if ((bloom & bit) != 0)
            for (uint32_t s = 0; s < i; s++)
                if (seen[s].len == nlen && memcmp(seen[s].name, k, nlen) == 0)
                    return RN_EINVAL;
        bloom |= bit;
        seen[i].name = k;
        seen[i].len = nlen;
        if (drop && klen == 11 && memcmp(k, "proof_bytes", 11) == 0)
            return RN_EINVAL;
        if (drop && klen == 5 && memcmp(k, "proof", 5) == 0) {
            const uint8_t *b;
            if (mp_read_bin(c, &b, &proof_len) < 0)
                return RN_EINVAL;
            proof = true;
            continue;
        }
        RN_TRY(put_item(t, items == 0, depth + 1));
        if (simple) {
            /* "key": at once. */
            int err = 0;
            char *o = room_for(t, (size_t)nlen + 4, &err);
            if (o == NULL)
                return err;
            o[0] = '"';
            memcpy(o + 1, k, nlen);
            memcpy(o + 1 + nlen, "\": ", 3);
            t->len += (size_t)nlen + 4;
        } else {
            RN_TRY(put_string(t, k, nlen));
            RN_TRY(put(t, ": ", 2));
        }
        RN_TRY(write_value(t, c, how, depth + 1, flags));
        items++;
    }
    if (proof) {
        RN_TRY(put_item(t, items == 0, depth + 1));
        RN_TRY(put(t, "\"proof_bytes\": ", 15));
        RN_TRY(put_integer(t, proof_len));
        items++;
    }
    if (items > 0) {
        int err = 0;
        char *o = room_for(t, 1 + 2 * (size_t)depth, &err);
        if (o == NULL)
            return err;
        o[0] = '\n';
        memset(o + 1, ' ', 2 * (size_t)depth);
        t->len += 1 + 2 * (size_t)depth;
    }
    return put(t, "}", 1);
}

/* One value shown as its key says (`how`; an array's items as the array). */
static int write_value(api_text *t, mp_cur *c, show how, unsigned depth, unsigned flags)
{
    const uint8_t *s;
    uint32_t n;
    uint64_t u;
    bool b;
    if (depth > MP_DEPTH_MAX)
        return RN_EMALFORMED;
    switch (mp_peek(c)) {
    case MP_NIL:
        if (mp_read_nil(c) < 0)
            return RN_EMALFORMED;
        return put(t, "null", 4);
    case MP_BOOL:
        if (mp_read_bool(c, &b) < 0)
            return RN_EMALFORMED;
        return b ? put(t, "true", 4) : put(t, "false", 5);
    case MP_UINT:
        if (mp_read_uint(c, &u) < 0)
            return RN_EMALFORMED;
        if ((how == SHOW_TIME || how == SHOW_TIME_ZERO) && u <= RN_TIME_MS_MAX) {
            if (how == SHOW_TIME_ZERO && u == 0)
                return put(t, "null", 4);
            return put_time(t, u);
        }
        if (how == SHOW_ECTS && u <= UINT32_MAX)
            return put_ects(t, (uint32_t)u);
        return put_integer(t, u);
    case MP_STR:
        if (mp_read_str(c, &s, &n) < 0)
            return RN_EMALFORMED;
        return put_string(t, s, n); /* checks the UTF-8 */
    case MP_BIN:
        if (mp_read_bin(c, &s, &n) < 0)
            return RN_EMALFORMED;
        return put_bin(t, s, n, how);
    case MP_ARRAY: {
        if (mp_read_array(c, &n) < 0)
            return RN_EMALFORMED;
        RN_TRY(put(t, "[", 1));
        for (uint32_t i = 0; i < n; i++) {
            RN_TRY(put_item(t, i == 0, depth + 1));
            RN_TRY(write_value(t, c, how, depth + 1, flags));
        }
        if (n > 0) {
            int err = 0;
            char *o = room_for(t, 1 + 2 * (size_t)depth, &err);
            if (o == NULL)
                return err;
            o[0] = '\n';
            memset(o + 1, ' ', 2 * (size_t)depth);
            t->len += 1 + 2 * (size_t)depth;
        }
        return put(t, "]", 1);
    }
    case MP_MAP:
        return write_map(t, c, depth, flags);
    default:
        return RN_EMALFORMED;
    }
}

int api_json_write(api_text *t, mp_cur v, unsigned flags)
{
    api_text_reset(t);
    mp_type ty = mp_peek(&v);
    if (ty != MP_MAP && ty != MP_ARRAY)
        return RN_EINVAL; /* json_dumps shows only objects and arrays */
    RN_TRY(write_value(t, &v, SHOW_PLAIN, 0, flags));
    if ((flags & API_JSON_WHOLE) != 0 && mp_cur_left(&v) != 0)
        return RN_EMALFORMED;
    return put(t, "\n", 1);
}
