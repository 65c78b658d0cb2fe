/*
 * mp.c: the strict MessagePack cursor and the bounded writer (see mp.h for why both exist).
 *
 * The reader handles exactly the subset of MessagePack that recnet writes: nil, booleans,
 * non-negative integers, str, bin, array and map, each in its shortest form, and signed integers
 * for mp_read_int alone (the control API's error code). It is on the ingest
 * hot path (every entry of a catch-up passes through it), so it decodes in place and never
 * allocates.
 */
#include "mp.h"

#include <stdlib.h>
#include <string.h>

static uint64_t be(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

mp_type mp_peek(const mp_cur *c)
{
    if (c->p >= c->end)
        return MP_NONE;
    uint8_t b = *c->p;
    if (b <= 0x7f || (b >= 0xcc && b <= 0xcf))
        return MP_UINT;
    if (b >= 0x80 && b <= 0x8f)
        return MP_MAP;
    if (b >= 0x90 && b <= 0x9f)
        return MP_ARRAY;
    if ((b >= 0xa0 && b <= 0xbf) || (b >= 0xd9 && b <= 0xdb))
        return MP_STR;
    switch (b) {
    case 0xc0:
        return MP_NIL;
    case 0xc2:
    case 0xc3:
        return MP_BOOL;
    case 0xc4:
    case 0xc5:
    case 0xc6:
        return MP_BIN;
    case 0xdc:
    case 0xdd:
        return MP_ARRAY;
    case 0xde:
    case 0xdf:
        return MP_MAP;
    default:
        return MP_OTHER;
    }
}

/* The error for finding `b` where another type was expected. */
static int wrong(const mp_cur *c)
{
    if (c->p >= c->end)
        return RN_ETRUNCATED;
    return mp_peek(c) == MP_OTHER ? RN_EMALFORMED : RN_ETYPE;
}

/*
 * Reads a length-prefixed header. `fixmax` is the largest length of the fixed form whose base
 * byte is `fix` (fixmax < 0: the type has no fixed form, as bin has none); `b8`, `b16`, `b32` are
 * the base bytes of the forms with 1-, 2- and 4-byte lengths (b8 == 0: no such form, as arrays
 * and maps have none). On success *n is the length and *hdr the header size. A length that a
 * shorter form could carry is refused as non-canonical.
 */
static int header(const mp_cur *c, uint8_t fix, int fixmax, uint8_t b8, uint8_t b16, uint8_t b32,
                  uint32_t *n, size_t *hdr)
{
    size_t left = mp_cur_left(c);
    if (left == 0)
        return RN_ETRUNCATED;
    uint8_t b = *c->p;
    size_t h;
    uint64_t min;
    if (fixmax >= 0 && b >= fix && b <= fix + fixmax) {
        *n = (uint32_t)(b - fix);
        *hdr = 1;
        return 0;
    } else if (b8 != 0 && b == b8) {
        h = 2;
        min = (uint64_t)(fixmax + 1);
    } else if (b == b16) {
        h = 3;
        min = b8 != 0 ? 256 : (uint64_t)(fixmax + 1);
    } else if (b == b32) {
        h = 5;
        min = 65536;
    } else {
        return wrong(c);
    }
    if (left < h)
        return RN_ETRUNCATED;
    uint64_t v = be(c->p + 1, (unsigned)(h - 1));
    if (v < min)
        return RN_ENONCANON;
    *n = (uint32_t)v;
    *hdr = h;
    return 0;
}

int mp_read_nil(mp_cur *c)
{
    if (c->p < c->end && *c->p == 0xc0) {
        c->p++;
        return 0;
    }
    return wrong(c);
}

int mp_read_bool(mp_cur *c, bool *v)
{
    if (c->p < c->end && (*c->p == 0xc2 || *c->p == 0xc3)) {
        *v = *c->p == 0xc3;
        c->p++;
        return 0;
    }
    return wrong(c);
}

int mp_read_uint(mp_cur *c, uint64_t *v)
{
    static const uint64_t min[4] = { 0x80, 0x100, 0x10000, 0x100000000ull };
    size_t left = mp_cur_left(c);
    if (left == 0)
        return RN_ETRUNCATED;
    uint8_t b = *c->p;
    if (b <= 0x7f) {
        *v = b;
        c->p++;
        return 0;
    }
    if (b < 0xcc || b > 0xcf)
        return wrong(c);
    unsigned w = 1u << (b - 0xcc); /* 1, 2, 4 or 8 bytes */
    if (left < 1 + w)
        return RN_ETRUNCATED;
    uint64_t x = be(c->p + 1, w);
    if (x < min[b - 0xcc])
        return RN_ENONCANON;
    *v = x;
    c->p += 1 + w;
    return 0;
}

int mp_read_int(mp_cur *c, int64_t *v)
{
    /* The least value of each form's range that the next shorter form cannot hold: int 8 holds
     * -128 .. -33 (-32 .. -1 are negative fixint), int 16 -32768 .. -129, and so on. */
    static const int64_t above[4] = { -32, -128, -32768, -2147483648ll };
    size_t left = mp_cur_left(c);
    if (left == 0)
        return RN_ETRUNCATED;
    uint8_t b = *c->p;
    if (b >= 0xe0) {
        *v = (int64_t)b - 256;
        c->p++;
        return 0;
    }
    if (b < 0xd0 || b > 0xd3) {
        uint64_t u;
        mp_cur save = *c;
        RN_TRY(mp_read_uint(c, &u));
        if (u > (uint64_t)INT64_MAX) {
            *c = save;
            return RN_EINVAL;
        }
        *v = (int64_t)u;
        return 0;
    }
    unsigned w = 1u << (b - 0xd0); /* 1, 2, 4 or 8 bytes */
    if (left < 1u + w)
        return RN_ETRUNCATED;
    uint64_t u = be(c->p + 1, w);
    int64_t x;
    if (w == 1)
        x = (int8_t)(uint8_t)u;
    else if (w == 2)
        x = (int16_t)(uint16_t)u;
    else if (w == 4)
        x = (int32_t)(uint32_t)u;
    else
        x = (int64_t)u;
    /* Canonical: negative (a value >= 0 is a uint), and below what the shorter form holds. */
    if (x >= above[b - 0xd0])
        return RN_ENONCANON;
    *v = x;
    c->p += 1u + w;
    return 0;
}

static int read_bytes(mp_cur *c, bool str, const uint8_t **s, uint32_t *len)
{
    uint32_t n;
    size_t h;
    int rc = str ? header(c, 0xa0, 31, 0xd9, 0xda, 0xdb, &n, &h)
                 : header(c, 0, -1, 0xc4, 0xc5, 0xc6, &n, &h);
    if (rc < 0)
        return rc;
    if (mp_cur_left(c) - h < n)
        return RN_ETRUNCATED;
    *s = c->p + h;
    *len = n;
    c->p += h + n;
    return 0;
}

int mp_read_str(mp_cur *c, const uint8_t **s, uint32_t *len)
{
    return read_bytes(c, true, s, len);
}

int mp_read_bin(mp_cur *c, const uint8_t **b, uint32_t *len)
{
    return read_bytes(c, false, b, len);
}

int mp_read_bin_exact(mp_cur *c, const uint8_t **b, uint32_t len)
{
    mp_cur save = *c;
    uint32_t n;
    RN_TRY(mp_read_bin(c, b, &n));
    if (n != len) {
        *c = save;
        return RN_ELEN;
    }
    return 0;
}

int mp_read_array(mp_cur *c, uint32_t *n)
{
    size_t h;
    RN_TRY(header(c, 0x90, 15, 0, 0xdc, 0xdd, n, &h));
    c->p += h;
    return 0;
}

int mp_read_map(mp_cur *c, uint32_t *n)
{
    size_t h;
    RN_TRY(header(c, 0x80, 15, 0, 0xde, 0xdf, n, &h));
    c->p += h;
    return 0;
}

static int skip(mp_cur *c, unsigned depth)
{
    uint64_t u;
    bool b;
    const uint8_t *s;
    uint32_t n;
    if (depth > MP_DEPTH_MAX)
        return RN_ETOOBIG;
    switch (mp_peek(c)) {
    case MP_NONE:
        return RN_ETRUNCATED;
    case MP_NIL:
        return mp_read_nil(c);
    case MP_BOOL:
        return mp_read_bool(c, &b);
    case MP_UINT:
        return mp_read_uint(c, &u);
    case MP_STR:
        return mp_read_str(c, &s, &n);
    case MP_BIN:
        return mp_read_bin(c, &s, &n);
    case MP_ARRAY:
        RN_TRY(mp_read_array(c, &n));
        break;
    case MP_MAP:
        RN_TRY(mp_read_map(c, &n));
        /* Each pair is two values; a map of 2^32-1 pairs cannot fit in the buffer anyway. */
        if (n > mp_cur_left(c) / 2)
            return RN_ETRUNCATED;
        n *= 2;
        break;
    case MP_OTHER:
    default:
        return RN_EMALFORMED;
    }
    /* Every element takes at least one byte: refuse impossible counts before looping. */
    if (n > mp_cur_left(c))
        return RN_ETRUNCATED;
    for (uint32_t i = 0; i < n; i++)
        RN_TRY(skip(c, depth + 1));
    return 0;
}

int mp_skip(mp_cur *c)
{
    return mp_skip_at(c, 0);
}

int mp_skip_at(mp_cur *c, unsigned depth)
{
    mp_cur save = *c;
    int rc = skip(c, depth);
    if (rc < 0)
        *c = save;
    return rc;
}

bool mp_utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        /* Most text in recnet is ASCII: skip it eight bytes at a time. */
        if (len - i >= 8) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if ((w & 0x8080808080808080ull) == 0) {
                i += 8;
                continue;
            }
        }
        uint8_t b = s[i];
        if (b < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t n;
        if (b >= 0xc2 && b <= 0xdf) {
            n = 1;
            cp = b & 0x1fu;
        } else if (b >= 0xe0 && b <= 0xef) {
            n = 2;
            cp = b & 0x0fu;
        } else if (b >= 0xf0 && b <= 0xf4) {
            n = 3;
            cp = b & 0x07u;
        } else {
            return false;
        }
        if (len - i - 1 < n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3fu);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}

/* ---- Writing ---- */

static int buf_write(void *data, const char *p, size_t len)
{
    mp_buf *b = data;
    if (b->err != 0)
        return -1;
    if (len > b->max - b->len) {
        b->err = RN_ETOOBIG;
        return -1;
    }
    if (b->len + len > b->cap) {
        size_t cap = b->cap == 0 ? 256 : b->cap;
        while (cap < b->len + len)
            cap *= 2;
        if (cap > b->max)
            cap = b->max;
        uint8_t *d = realloc(b->data, cap);
        if (d == NULL) {
            b->err = RN_ENOMEM;
            return -1;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, len);
    b->len += len;
    return 0;
}

void mp_buf_init(mp_buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
    msgpack_packer_init(&b->pk, b, buf_write);
}

void mp_buf_free(mp_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void mp_buf_reset(mp_buf *b)
{
    b->len = 0;
    b->err = 0;
}

/*
 * The fast path of the small writes: a control response is some forty short keys and values, and
 * going through msgpack-c's packer costs a callback and a memcpy call per header and per body.
 * When the bytes fit in what is allocated already (and nothing failed), a one-byte form (fixstr
 * of at most 31 bytes, positive fixint, fixmap, fixarray, nil, bool: each the canonical and only
 * form of its value) is written here; otherwise the packer writes it, growing the buffer and
 * latching its errors as before. mp_test checks both paths write the packer's bytes.
 */
static uint8_t *room(mp_buf *b, size_t n)
{
    if (b->err != 0 || b->cap - b->len < n)
        return NULL;
    return b->data + b->len;
}

static bool put_byte(mp_buf *b, uint8_t v)
{
    uint8_t *p = room(b, 1);
    if (p == NULL)
        return false;
    *p = v;
    b->len++;
    return true;
}

void mp_buf_raw(mp_buf *b, const void *p, size_t len)
{
    (void)buf_write(b, p, len);
}

void mp_put_nil(mp_buf *b)
{
    if (!put_byte(b, 0xc0))
        (void)msgpack_pack_nil(&b->pk);
}

void mp_put_bool(mp_buf *b, bool v)
{
    if (!put_byte(b, v ? 0xc3 : 0xc2))
        (void)(v ? msgpack_pack_true(&b->pk) : msgpack_pack_false(&b->pk));
}

void mp_put_uint(mp_buf *b, uint64_t v)
{
    if (v > 0x7f || !put_byte(b, (uint8_t)v))
        (void)msgpack_pack_uint64(&b->pk, v);
}

void mp_put_int(mp_buf *b, int64_t v)
{
    (void)msgpack_pack_int64(&b->pk, v);
}

void mp_put_str(mp_buf *b, const void *s, size_t len)
{
    uint8_t *p = len <= 31 ? room(b, 1 + len) : NULL;
    if (p == NULL) {
        (void)msgpack_pack_str_with_body(&b->pk, s, len);
        return;
    }
    p[0] = (uint8_t)(0xa0 | len);
    if (len > 0)
        memcpy(p + 1, s, len);
    b->len += 1 + len;
}

void mp_put_cstr(mp_buf *b, const char *s)
{
    mp_put_str(b, s, strlen(s));
}

void mp_put_bin(mp_buf *b, const void *p, size_t len)
{
    (void)msgpack_pack_bin_with_body(&b->pk, p, len);
}

void mp_put_bin_header(mp_buf *b, size_t len)
{
    (void)msgpack_pack_bin(&b->pk, len);
}

void mp_put_array(mp_buf *b, uint32_t n)
{
    if (n > 15 || !put_byte(b, (uint8_t)(0x90 | n)))
        (void)msgpack_pack_array(&b->pk, n);
}

void mp_put_map(mp_buf *b, uint32_t n)
{
    if (n > 15 || !put_byte(b, (uint8_t)(0x80 | n)))
        (void)msgpack_pack_map(&b->pk, n);
}
