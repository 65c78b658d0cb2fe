/*
 * json.c: the strict JSON reader of json.h. A recursive descent over the input bytes with a
 * cursor (reader), one function per kind of value. Strings are scanned through a table of byte
 * classes: a run of printable ASCII costs a load and a compare a byte, a UTF-8 sequence is
 * validated whole, and a string without escapes (nearly every string in a credential) is handed
 * to jansson straight from the input. A string with escapes is decoded into one scratch buffer,
 * allocated once per text at the text's length (a decoded string is never longer than its
 * source); member names decoded there stay reserved while their value is read.
 *
 * Every refusal of jansson's json_loadb(JSON_REJECT_DUPLICATES) is made here too, in the same
 * place of the grammar (json.h); the unit test and the fuzz harness hold the two to it.
 */
#include "json.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(CRED_JSON_DEPTH_MAX == JSON_PARSER_MAX_DEPTH,
               "the depth bound is jansson's, so that both refuse the same texts");
_Static_assert(sizeof(json_int_t) == sizeof(int64_t), "jansson's integers are 64-bit");

/* ---- the arena (json.h) ---- */

/* A block of an arena: `size` bytes of data, `used` of them handed out. */
typedef struct arena_block {
    struct arena_block *next; /* the block filled before this one, or NULL */
    size_t size;              /* bytes of data[] */
    size_t used;              /* bytes of data[] handed out, a multiple of ARENA_ALIGN */
    alignas(max_align_t) unsigned char data[];
} arena_block;

struct cred_json_arena {
    arena_block *head; /* the block being filled; the others follow through next */
};

#define ARENA_ALIGN     alignof(max_align_t)
#define ARENA_BLOCK_MIN 4096u
#define ARENA_HINT_MAX  (1u << 24) /* a first block larger than this is left to growth */

/* This thread's arena and whether cred_json_loadb is building in it. */
static _Thread_local cred_json_arena *arena_current;
static _Thread_local bool arena_building;

/* The functions installed before ours: every request that is not the arena's goes to them. */
static json_malloc_t prev_malloc;
static json_free_t prev_free;
static pthread_once_t arena_once = PTHREAD_ONCE_INIT;

static bool arena_owns(const cred_json_arena *a, const void *p)
{
    for (const arena_block *b = a->head; b != NULL; b = b->next)
        if ((const unsigned char *)p >= b->data && (const unsigned char *)p < b->data + b->size)
            return true;
    return false;
}

static void *arena_alloc(cred_json_arena *a, size_t n)
{
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    arena_block *b = a->head;
    if (need < n)
        return NULL;
    if (b == NULL || b->size - b->used < need) {
        size_t size = b != NULL ? b->size * 2 : ARENA_BLOCK_MIN;
        if (size < need)
            size = need;
        arena_block *nb = malloc(sizeof(*nb) + size);
        if (nb == NULL)
            return NULL;
        nb->next = b;
        nb->size = size;
        nb->used = 0;
        a->head = b = nb;
    }
    void *p = b->data + b->used;
    b->used += need;
    return p;
}

static void *jansson_malloc(size_t n)
{
    if (arena_building)
        return arena_alloc(arena_current, n);
    return prev_malloc(n);
}

static void jansson_free(void *p)
{
    if (p == NULL)
        return;
    if (arena_current != NULL && arena_owns(arena_current, p))
        return; /* freed with the arena */
    prev_free(p);
}

static void arena_install(void)
{
    json_get_alloc_funcs(&prev_malloc, &prev_free);
    RN_ASSERT(prev_malloc != NULL && prev_free != NULL);
    json_set_alloc_funcs(jansson_malloc, jansson_free);
}

cred_json_arena *cred_json_arena_new(size_t hint_bytes)
{
    cred_json_arena *a = malloc(sizeof(*a));
    if (a == NULL)
        return NULL;
    a->head = NULL;
    if (hint_bytes > ARENA_HINT_MAX)
        hint_bytes = ARENA_HINT_MAX;
    if (hint_bytes > ARENA_BLOCK_MIN) {
        a->head = malloc(sizeof(arena_block) + hint_bytes);
        if (a->head == NULL) {
            free(a);
            return NULL;
        }
        a->head->next = NULL;
        a->head->size = hint_bytes;
        a->head->used = 0;
    }
    return a;
}

void cred_json_arena_free(cred_json_arena *a)
{
    if (a == NULL)
        return;
    RN_ASSERT(arena_current != a);
    for (arena_block *b = a->head, *next; b != NULL; b = next) {
        next = b->next;
        free(b);
    }
    free(a);
}

void cred_json_init(void)
{
    RN_ASSERT(pthread_once(&arena_once, arena_install) == 0);
}

void cred_json_arena_enter(cred_json_arena *a)
{
    RN_ASSERT(a != NULL && arena_current == NULL);
    RN_ASSERT(pthread_once(&arena_once, arena_install) == 0);
    arena_current = a;
}

void cred_json_arena_leave(void)
{
    RN_ASSERT(arena_current != NULL && !arena_building);
    arena_current = NULL;
}

/* The class of each byte inside a string. */
enum { C_PLAIN = 0, C_QUOTE, C_ESC, C_CTRL, C_HIGH };

#define R16(c) c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c
static const uint8_t STR_CLASS[256] = {
    R16(C_CTRL), R16(C_CTRL), /* 0x00-0x1f: control characters are escaped in JSON */
    0,           0,           C_QUOTE,     0,           0,     0, 0, 0,
    0,           0,           0,           0,           0,     0, 0, 0, /* 0x20-0x2f */
    R16(0),      R16(0),                                                /* 0x30-0x4f */
    0,           0,           0,           0,           0,     0, 0, 0,
    0,           0,           0,           0,           C_ESC, 0, 0, 0, /* 0x50-0x5f */
    R16(0),      R16(0),                                                /* 0x60-0x7f */
    R16(C_HIGH), R16(C_HIGH), R16(C_HIGH), R16(C_HIGH),                 /* 0x80-0xbf */
    R16(C_HIGH), R16(C_HIGH), R16(C_HIGH), R16(C_HIGH),                 /* 0xc0-0xff */
};
#undef R16

typedef struct reader {
    const uint8_t *p;     /* the next byte */
    const uint8_t *end;   /* one past the last byte */
    const uint8_t *start; /* the first byte, for offsets in messages */
    unsigned depth;       /* values open, at most CRED_JSON_DEPTH_MAX */
    char *scratch;        /* decoded strings with escapes; end - start bytes, or NULL */
    size_t scratch_used;  /* bytes of it held by the member names being read */
    int rc;               /* the first error, or 0 */
    char *why;            /* the caller's, may be NULL */
    size_t why_len;
} reader;

__attribute__((format(printf, 3, 4))) static void fail(reader *r, int rc, const char *fmt, ...)
{
    if (r->rc != 0)
        return;
    r->rc = rc;
    if (r->why == NULL || r->why_len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(r->why, r->why_len, fmt, ap);
    va_end(ap);
    if (k >= 0 && (size_t)k < r->why_len)
        snprintf(r->why + k, r->why_len - (size_t)k, " at byte %zu", (size_t)(r->p - r->start));
}

static inline void skip_ws(reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
        r->p++;
}

static inline bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* The end of the run of plain bytes (printable ASCII but '"' and '\\') from p: eight bytes at
 * a time while they last (a word has a byte below 0x20, a quote, a backslash or a byte with its
 * high bit set exactly when the expression below is non-zero), then byte by byte. Strings are
 * most of a credential's bytes. */
static inline const uint8_t *plain_run(const uint8_t *p, const uint8_t *end)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (end - p >= 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
        /* Each term sets a byte's high bit where that byte is below 0x20, or is 0 after the
         * xor (a quote, a backslash); x itself sets it for the bytes from 0x80 (whose false
         * positives in the other terms do not matter: those bytes stop the run anyway). */
        uint64_t stop = ((x - ones * 0x20) | (q - ones) | (bs - ones) | x) & highs;
        if (stop != 0)
            break;
        p += 8;
    }
    while (p < end && STR_CLASS[*p] == C_PLAIN)
        p++;
    return p;
}

/* The length of the well-formed UTF-8 sequence of two to four bytes at p, or 0: no overlong
 * form, no surrogate, nothing above U+10FFFF (RFC 3629), as jansson's utf8_check_full. */
static size_t utf8_seq(const uint8_t *p, const uint8_t *end)
{
    uint8_t c = p[0];
    size_t n;
    uint32_t v;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        v = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        v = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        v = c & 0x07u;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0u) != 0x80u)
            return 0;
        v = v << 6 | (p[i] & 0x3fu);
    }
    if ((n == 3 && v < 0x800u) || (n == 4 && v < 0x10000u) || v > 0x10ffffu ||
        (v >= 0xd800u && v <= 0xdfffu))
        return 0;
    return n;
}

static int hex4(const uint8_t *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v << 4 | d;
    }
    return v;
}

static size_t utf8_put(char *o, uint32_t v)
{
    if (v < 0x80u) {
        o[0] = (char)v;
        return 1;
    }
    if (v < 0x800u) {
        o[0] = (char)(0xc0u | v >> 6);
        o[1] = (char)(0x80u | (v & 0x3fu));
        return 2;
    }
    if (v < 0x10000u) {
        o[0] = (char)(0xe0u | v >> 12);
        o[1] = (char)(0x80u | (v >> 6 & 0x3fu));
        o[2] = (char)(0x80u | (v & 0x3fu));
        return 3;
    }
    o[0] = (char)(0xf0u | v >> 18);
    o[1] = (char)(0x80u | (v >> 12 & 0x3fu));
    o[2] = (char)(0x80u | (v >> 6 & 0x3fu));
    o[3] = (char)(0x80u | (v & 0x3fu));
    return 4;
}

/* One escape at p (p[0] is the backslash) decoded into o; the bytes written, or 0 (r->rc set).
 * *p_io moves past it. */
static size_t unescape(reader *r, const uint8_t **p_io, char *o)
{
    const uint8_t *p = *p_io, *end = r->end;
    static const char simple[][2] = { { '"', '"' },  { '\\', '\\' }, { '/', '/' },  { 'b', '\b' },
                                      { 'f', '\f' }, { 'n', '\n' },  { 'r', '\r' }, { 't', '\t' } };
    r->p = p;
    if (end - p < 2) {
        fail(r, RN_EMALFORMED, "unterminated string");
        return 0;
    }
    for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
        if (p[1] == (uint8_t)simple[i][0]) {
            o[0] = simple[i][1];
            *p_io = p + 2;
            return 1;
        }
    }
    int v = p[1] == 'u' && end - p >= 6 ? hex4(p + 2) : -1;
    if (v < 0) {
        fail(r, RN_EMALFORMED, "invalid escape in a string");
        return 0;
    }
    p += 6;
    uint32_t cp = (uint32_t)v;
    if (cp >= 0xd800u && cp <= 0xdbffu) {
        int w = end - p >= 6 && p[0] == '\\' && p[1] == 'u' ? hex4(p + 2) : -1;
        if (w < 0xdc00 || w > 0xdfff) {
            fail(r, RN_EMALFORMED, "a high surrogate escape without its low surrogate");
            return 0;
        }
        cp = 0x10000u + ((cp - 0xd800u) << 10) + ((uint32_t)w - 0xdc00u);
        p += 6;
    } else if (cp >= 0xdc00u && cp <= 0xdfffu) {
        fail(r, RN_EMALFORMED, "a lone low surrogate escape");
        return 0;
    } else if (cp == 0) {
        fail(r, RN_EMALFORMED, "\\u0000 in a string");
        return 0;
    }
    *p_io = p;
    return utf8_put(o, cp);
}

/* The rest of a string from p, where the first escape is, decoded into the scratch buffer after
 * the member names it holds, with b..p (already checked) copied first. */
static bool read_escaped(reader *r, const uint8_t *b, const uint8_t *p, const char **s, size_t *n)
{
    const uint8_t *end = r->end;
    if (r->scratch == NULL) {
        r->scratch = malloc((size_t)(end - r->start));
        if (r->scratch == NULL) {
            fail(r, RN_ENOMEM, "out of memory");
            return false;
        }
    }
    char *o = r->scratch + r->scratch_used;
    size_t k = (size_t)(p - b);
    memcpy(o, b, k);
    for (;;) {
        const uint8_t *q = plain_run(p, end);
        memcpy(o + k, p, (size_t)(q - p));
        k += (size_t)(q - p);
        p = q;
        if (p >= end) {
            r->p = p;
            fail(r, RN_EMALFORMED, "unterminated string");
            return false;
        }
        size_t m;
        switch (STR_CLASS[*p]) {
        case C_QUOTE:
            /* A decoded string is never longer than its source, so the scratch buffer (the
             * text's length) holds every member name open and this string. */
            RN_ASSERT(r->scratch_used + k <= (size_t)(p - r->start));
            *s = o;
            *n = k;
            r->p = p + 1;
            return true;
        case C_HIGH:
            if ((m = utf8_seq(p, end)) == 0) {
                r->p = p;
                fail(r, RN_EMALFORMED, "invalid UTF-8 in a string");
                return false;
            }
            memcpy(o + k, p, m);
            k += m;
            p += m;
            break;
        case C_ESC:
            if ((m = unescape(r, &p, o + k)) == 0)
                return false;
            k += m;
            break;
        case C_CTRL:
        default:
            r->p = p;
            fail(r, RN_EMALFORMED, "a control character in a string");
            return false;
        }
    }
}

/* A string whose opening quote is before r->p: *s, *n its bytes, in the input (no escapes) or
 * in the scratch buffer (valid until the next string is read). */
static bool read_string(reader *r, const char **s, size_t *n)
{
    const uint8_t *b = r->p, *p = r->p, *end = r->end;
    for (;;) {
        p = plain_run(p, end);
        if (p >= end) {
            r->p = p;
            fail(r, RN_EMALFORMED, "unterminated string");
            return false;
        }
        size_t m;
        switch (STR_CLASS[*p]) {
        case C_QUOTE:
            *s = (const char *)b;
            *n = (size_t)(p - b);
            r->p = p + 1;
            return true;
        case C_HIGH:
            if ((m = utf8_seq(p, end)) == 0) {
                r->p = p;
                fail(r, RN_EMALFORMED, "invalid UTF-8 in a string");
                return false;
            }
            p += m;
            break;
        case C_ESC:
            return read_escaped(r, b, p, s, n);
        case C_CTRL:
        default:
            r->p = p;
            fail(r, RN_EMALFORMED, "a control character in a string");
            return false;
        }
    }
}

static json_t *read_number(reader *r)
{
    const uint8_t *b = r->p, *p = r->p, *end = r->end;
    bool neg = false, real = false;
    if (*p == '-') {
        neg = true;
        p++;
    }
    if (p >= end || !is_digit(*p)) {
        fail(r, RN_EMALFORMED, "invalid number");
        return NULL;
    }
    if (*p == '0') {
        if (++p < end && is_digit(*p)) {
            fail(r, RN_EMALFORMED, "a number with a leading zero");
            return NULL;
        }
    } else {
        while (p < end && is_digit(*p))
            p++;
    }
    const uint8_t *int_end = p;
    if (p < end && *p == '.') {
        real = true;
        if (++p >= end || !is_digit(*p)) {
            fail(r, RN_EMALFORMED, "invalid number (no digit after the point)");
            return NULL;
        }
        while (p < end && is_digit(*p))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        real = true;
        if (++p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || !is_digit(*p)) {
            fail(r, RN_EMALFORMED, "invalid number (no digit in the exponent)");
            return NULL;
        }
        while (p < end && is_digit(*p))
            p++;
    }
    json_t *v;
    if (!real) {
        /* int64, as jansson's strtoll: out of range is an error, not a real. */
        const uint64_t lim = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
        uint64_t u = 0;
        for (const uint8_t *d = b + (neg ? 1 : 0); d < int_end; d++) {
            unsigned dig = (unsigned)(*d - '0');
            if (u > (lim - dig) / 10u) {
                fail(r, RN_EMALFORMED, "an integer out of range (int64)");
                return NULL;
            }
            u = u * 10u + dig;
        }
        json_int_t i = !neg                            ? (json_int_t)u
                       : u == (uint64_t)INT64_MAX + 1u ? INT64_MIN
                                                       : -(json_int_t)u;
        v = json_integer(i);
    } else {
        /* strtod needs a terminated copy; a real longer than a line is rare and copied to the
         * heap. As jansson: overflow is an error, underflow reads as (nearly) zero. */
        char small[64], *t = small;
        size_t len = (size_t)(p - b);
        if (len >= sizeof(small) && (t = malloc(len + 1)) == NULL) {
            fail(r, RN_ENOMEM, "out of memory");
            return NULL;
        }
        memcpy(t, b, len);
        t[len] = '\0';
        errno = 0;
        double d = strtod(t, NULL);
        bool over = (d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE;
        if (t != small)
            free(t);
        if (over) {
            fail(r, RN_EMALFORMED, "a number out of range (double)");
            return NULL;
        }
        v = json_real(d);
    }
    r->p = p;
    if (v == NULL)
        fail(r, RN_ENOMEM, "out of memory");
    return v;
}

static json_t *read_value(reader *r);

static json_t *read_array(reader *r)
{
    json_t *a = json_array();
    if (a == NULL) {
        fail(r, RN_ENOMEM, "out of memory");
        return NULL;
    }
    r->p++;
    skip_ws(r);
    if (r->p < r->end && *r->p == ']') {
        r->p++;
        return a;
    }
    for (;;) {
        json_t *v = read_value(r);
        if (v == NULL)
            break;
        if (json_array_append_new(a, v) < 0) {
            fail(r, RN_ENOMEM, "out of memory");
            break;
        }
        skip_ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            skip_ws(r);
            continue;
        }
        if (r->p < r->end && *r->p == ']') {
            r->p++;
            return a;
        }
        fail(r, RN_EMALFORMED, "',' or ']' expected");
        break;
    }
    json_decref(a);
    return NULL;
}

static json_t *read_object(reader *r)
{
    json_t *o = json_object();
    if (o == NULL) {
        fail(r, RN_ENOMEM, "out of memory");
        return NULL;
    }
    r->p++;
    skip_ws(r);
    if (r->p < r->end && *r->p == '}') {
        r->p++;
        return o;
    }
    const size_t mark = r->scratch_used;
    for (;;) {
        const char *k;
        size_t kn;
        if (r->p >= r->end || *r->p != '"') {
            fail(r, RN_EMALFORMED, "a member name expected");
            break;
        }
        const uint8_t *name_at = r->p++;
        if (!read_string(r, &k, &kn))
            break;
        /* A name decoded into the scratch buffer stays there while its value is read. */
        if (r->scratch != NULL && k == r->scratch + r->scratch_used)
            r->scratch_used += kn;
        skip_ws(r);
        if (r->p >= r->end || *r->p != ':') {
            fail(r, RN_EMALFORMED, "':' expected");
            break;
        }
        r->p++;
        skip_ws(r);
        json_t *v = read_value(r);
        if (v == NULL)
            break;
        /* A repeated name replaces the value in jansson's table and leaves the size as it was:
         * one hash lookup instead of two (a look-up first, then the insertion). */
        size_t before = json_object_size(o);
        if (json_object_setn_new_nocheck(o, k, kn, v) < 0) {
            fail(r, RN_ENOMEM, "out of memory");
            break;
        }
        r->scratch_used = mark;
        if (json_object_size(o) == before) {
            r->p = name_at;
            fail(r, RN_EMALFORMED, "duplicate member \"%.*s\"", (int)(kn < 60 ? kn : 60), k);
            break;
        }
        skip_ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            skip_ws(r);
            continue;
        }
        if (r->p < r->end && *r->p == '}') {
            r->p++;
            return o;
        }
        fail(r, RN_EMALFORMED, "',' or '}' expected");
        break;
    }
    r->scratch_used = mark;
    json_decref(o);
    return NULL;
}

static bool literal(reader *r, const char *word, size_t n)
{
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return false;
    r->p += n;
    return true;
}

/* The value at r->p (white space skipped). */
static json_t *read_value(reader *r)
{
    json_t *v = NULL;
    if (++r->depth > CRED_JSON_DEPTH_MAX) {
        fail(r, RN_EMALFORMED, "nested deeper than %u values", CRED_JSON_DEPTH_MAX);
        return NULL;
    }
    if (r->p >= r->end) {
        fail(r, RN_EMALFORMED, "a value expected, the text ends");
        return NULL;
    }
    switch (*r->p) {
    case '{':
        v = read_object(r);
        break;
    case '[':
        v = read_array(r);
        break;
    case '"': {
        const char *s;
        size_t n;
        r->p++;
        if (read_string(r, &s, &n) && (v = json_stringn_nocheck(s, n)) == NULL)
            fail(r, RN_ENOMEM, "out of memory");
        break;
    }
    case 't':
        if (literal(r, "true", 4))
            v = json_true();
        break;
    case 'f':
        if (literal(r, "false", 5))
            v = json_false();
        break;
    case 'n':
        if (literal(r, "null", 4))
            v = json_null();
        break;
    default:
        if (*r->p == '-' || is_digit(*r->p))
            v = read_number(r);
        break;
    }
    if (v == NULL && r->rc == 0)
        fail(r, RN_EMALFORMED, "invalid token");
    r->depth--;
    return v;
}

int cred_json_loadb(const char *buf, size_t len, json_t **out, char *why, size_t why_len)
{
    reader r;
    memset(&r, 0, sizeof(r));
    r.start = r.p = (const uint8_t *)buf;
    r.end = r.p + len;
    r.why = why;
    r.why_len = why_len;
    *out = NULL;
    skip_ws(&r);
    if (r.p >= r.end || (*r.p != '{' && *r.p != '[')) {
        fail(&r, RN_EMALFORMED, "an object or an array expected");
        return r.rc;
    }
    arena_building = arena_current != NULL;
    json_t *v = read_value(&r);
    arena_building = false;
    if (v != NULL) {
        RN_ASSERT(r.depth == 0 && r.scratch_used == 0);
        skip_ws(&r);
        if (r.p != r.end) {
            fail(&r, RN_EMALFORMED, "text after the value");
            json_decref(v);
            v = NULL;
        }
    }
    free(r.scratch);
    if (v == NULL) {
        RN_ASSERT(r.rc != 0);
        return r.rc;
    }
    *out = v;
    return 0;
}
