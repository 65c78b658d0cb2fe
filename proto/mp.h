/*
 * mp.h: a strict, bounds-checked MessagePack reader (a cursor) and small writing helpers.
 *
 * Everything recnet signs is MessagePack in canonical form: integers, strings, byte strings,
 * arrays and maps in their shortest encoding, exactly as msgpack-c's packer writes them. Signed
 * bytes are never re-encoded, so every decoder must refuse a second spelling of the same value;
 * otherwise two byte strings with different ids would decode to the same record. msgpack-c's
 * unpacker accepts every spelling and allocates an object tree, so reading goes through this
 * cursor instead (s2n's stuffer): it never allocates, checks every length against the bytes that
 * remain before touching them, and refuses non-canonical forms, floats, negative integers and
 * extension types, none of which recnet signs. Writing uses msgpack-c's packer (mp_buf below).
 *
 * Signed integers: one value of the control API is negative (the code of an error map, PROTOCOL.md
 * section 12.1), so mp_read_int reads int64 in its canonical form: a value >= 0 in the uint forms,
 * as msgpack-c's packer writes it, and a negative one in the shortest of negative fixint, int 8,
 * 16, 32 and 64. Only mp_read_int reads negative integers: to mp_peek they are MP_OTHER and to
 * mp_skip RN_EMALFORMED, as before, because nothing recnet signs holds one, and a record or a
 * peer message that carried one must stay refused.
 *
 * Errors: RN_ETRUNCATED (the value runs past the end), RN_ETYPE (another type is there),
 * RN_ENONCANON (a longer form than needed), RN_EMALFORMED (the reserved byte 0xc1, or a type
 * recnet never uses), RN_ETOOBIG (nesting deeper than MP_DEPTH_MAX in mp_skip).
 */
#ifndef RN_MP_H
#define RN_MP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "error.h"

/* Deepest value mp_skip reads: the outermost value is at depth 0, so a value at depth 9 or more
 * is refused (PROTOCOL.md section 1). Record bodies go down to depth 4 (body, outcome list,
 * outcome, its ESCO list or translations, a string). */
#define MP_DEPTH_MAX 8

/* A read position within a borrowed buffer. The cursor never owns the bytes. */
typedef struct mp_cur {
    const uint8_t *p;   /* next byte to read */
    const uint8_t *end; /* one past the last readable byte */
} mp_cur;

static inline void mp_cur_init(mp_cur *c, const uint8_t *buf, size_t len)
{
    c->p = buf;
    c->end = buf + len;
}

static inline size_t mp_cur_left(const mp_cur *c)
{
    return (size_t)(c->end - c->p);
}

/* The type of the next value, without consuming it. */
typedef enum mp_type {
    MP_NONE = 0, /* no bytes left */
    MP_NIL,
    MP_BOOL,
    MP_UINT,
    MP_STR,
    MP_BIN,
    MP_ARRAY,
    MP_MAP,
    MP_OTHER /* negative integer, float, extension, or 0xc1: never valid in recnet */
} mp_type;

mp_type mp_peek(const mp_cur *c);

/* Each reader consumes one value of its type and leaves the cursor unchanged on failure. */
RN_MUST_USE int mp_read_nil(mp_cur *c);
RN_MUST_USE int mp_read_bool(mp_cur *c, bool *v);
RN_MUST_USE int mp_read_uint(mp_cur *c, uint64_t *v);
/* A signed integer in its canonical form (above). RN_ENONCANON for an int 8 .. 64 form holding a
 * value >= 0 or one that a shorter form holds, RN_EINVAL for a uint above INT64_MAX (out of the
 * range of int64), RN_ETYPE / RN_EMALFORMED / RN_ETRUNCATED as the other readers. */
RN_MUST_USE int mp_read_int(mp_cur *c, int64_t *v);
/* `s` points into the cursor's buffer (borrowed, not NUL-terminated). */
RN_MUST_USE int mp_read_str(mp_cur *c, const uint8_t **s, uint32_t *len);
RN_MUST_USE int mp_read_bin(mp_cur *c, const uint8_t **b, uint32_t *len);
/* Reads a byte string that must be exactly `len` bytes long (RN_ELEN otherwise). */
RN_MUST_USE int mp_read_bin_exact(mp_cur *c, const uint8_t **b, uint32_t len);
/* Read the header of an array or map; the `n` elements (or n key/value pairs) follow. */
RN_MUST_USE int mp_read_array(mp_cur *c, uint32_t *n);
RN_MUST_USE int mp_read_map(mp_cur *c, uint32_t *n);
/* Skips one complete value of any valid type, checking canonical form throughout. The value is
 * taken as the outermost (depth 0); the elements, keys and values of a container at depth d lie
 * at depth d + 1, and a value deeper than MP_DEPTH_MAX is RN_ETOOBIG. */
RN_MUST_USE int mp_skip(mp_cur *c);
/* As mp_skip, for a value that lies at `depth` within an enclosing structure (a parameter of a
 * control request is at depth 2): the same bound applies to the whole, so a reader that skips a
 * structure whole and one that skips its parts accept exactly the same bytes. */
RN_MUST_USE int mp_skip_at(mp_cur *c, unsigned depth);

/* True if `s[0..len)` is well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF). */
bool mp_utf8_valid(const uint8_t *s, size_t len);

/*
 * mp_buf: a growable output buffer with a hard maximum (curl's dynbuf with its toobig). It wraps
 * a msgpack_packer so that msgpack-c writes the canonical encoding. When a write would pass
 * `max`, the buffer latches `err` to RN_ETOOBIG and ignores further writes; check mp_buf_err
 * once at the end. The packer keeps a pointer to the mp_buf: never copy an initialised mp_buf.
 */
typedef struct mp_buf {
    uint8_t *data; /* owned; malloc'd */
    size_t len;    /* bytes written */
    size_t cap;    /* bytes allocated */
    size_t max;    /* hard maximum of len */
    int err;       /* 0, RN_ETOOBIG or RN_ENOMEM */
    msgpack_packer pk;
} mp_buf;

void mp_buf_init(mp_buf *b, size_t max);
void mp_buf_free(mp_buf *b);
void mp_buf_reset(mp_buf *b);
static inline int mp_buf_err(const mp_buf *b)
{
    return b->err;
}
/* Appends raw, already-encoded bytes (used to splice a record body into an entry). */
void mp_buf_raw(mp_buf *b, const void *p, size_t len);

/* Canonical writers: msgpack-c's packer, except that a value whose canonical form is one byte
 * (with at most 31 bytes of body, for a str) is written directly when it fits in what is
 * allocated; the bytes are the packer's either way. */
void mp_put_nil(mp_buf *b);
void mp_put_bool(mp_buf *b, bool v);
void mp_put_uint(mp_buf *b, uint64_t v);
/* The canonical form mp_read_int reads: msgpack-c's shortest signed encoding. */
void mp_put_int(mp_buf *b, int64_t v);
void mp_put_str(mp_buf *b, const void *s, size_t len);
void mp_put_cstr(mp_buf *b, const char *s);
void mp_put_bin(mp_buf *b, const void *p, size_t len);
/* The header alone of a bin of `len` bytes, in its canonical form; the caller supplies the bytes
 * (or has written them already and moves them after it). */
void mp_put_bin_header(mp_buf *b, size_t len);
void mp_put_array(mp_buf *b, uint32_t n);
void mp_put_map(mp_buf *b, uint32_t n);

#endif /* RN_MP_H */
