/*
 * codec.h: the text encodings credentials are written in: base64url without padding (JWS, JWK,
 * did:jwk), base58btc and multibase (did:key, publicKeyMultibase, proofValue), multicodec key
 * prefixes, and RFC 3339 date-times (validFrom, validUntil).
 *
 * Every decoder is strict, so that each value has one spelling: base64url refuses padding, white
 * space, the standard alphabet's '+' and '/', and non-zero trailing bits;
 * base58btc refuses characters outside its alphabet; a date-time must be complete (date, 'T',
 * time, zone) and in range. No function here allocates except where it says so.
 */
#ifndef RN_CRED_CODEC_H
#define RN_CRED_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/error.h"

/*
 * Decodes base64url without padding s[0..n) into a new malloc'd buffer *out (NUL-terminated, so
 * that a decoded JSON text can be parsed in place; the NUL is not counted in *out_len). Returns
 * 0, RN_EMALFORMED (empty, a character outside the alphabet, padding, non-zero trailing bits) or
 * RN_ENOMEM; on error *out is NULL. The caller frees *out.
 */
RN_MUST_USE int cred_b64url_decode(const char *s, size_t n, uint8_t **out, size_t *out_len);

/* The value of each base64url character, 255 for every other byte. */
extern const uint8_t cred_b64url_values[256];

/* True for the 64 characters of the base64url alphabet. */
static inline bool cred_b64url_char(uint8_t c)
{
    return cred_b64url_values[c] != 255;
}

/* The value of a hex digit of either case, or -1 for any other character: the one reader of
 * hex digits (N-Quads' \u escapes, percent-encoded status list URLs, the api's hex fields). */
static inline int cred_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* base64url of in[0..n) without padding into a new malloc'd NUL-terminated string, or NULL when
 * out of memory. */
char *cred_b64url_encode(const uint8_t *in, size_t n);

/*
 * Decodes base58btc s[0..n) (the Bitcoin alphabet) into out[0..cap); *out_len is the decoded
 * length. Returns 0, RN_EMALFORMED (empty, a character outside the alphabet) or RN_ETOOBIG (more
 * than cap bytes).
 */
RN_MUST_USE int cred_b58_decode(const char *s, size_t n, uint8_t *out, size_t cap, size_t *out_len);

/*
 * Decodes a multibase string: 'z' then base58btc, or 'u' then base64url without padding.
 * Returns as cred_b58_decode; RN_EMALFORMED also for another multibase prefix.
 */
RN_MUST_USE int cred_multibase_decode(const char *s, size_t n, uint8_t *out, size_t cap,
                                      size_t *out_len);

/* Writes multibase base58btc ('z' + base58btc) of in[0..n) into text (cap bytes, NUL
 * included). Returns 0 or RN_ETOOBIG (n over 256, or text too small). */
RN_MUST_USE int cred_multibase_encode(const uint8_t *in, size_t n, char *text, size_t cap);

/*
 * Reads the unsigned varint (multicodec code) at the start of buf[0..n): *code and the number of
 * bytes it took in *used. Returns 0 or RN_EMALFORMED (truncated, or longer than 3 bytes, which
 * no key codec needs).
 */
RN_MUST_USE int cred_varint_read(const uint8_t *buf, size_t n, uint64_t *code, size_t *used);

/*
 * Parses an RFC 3339 date-time ("2024-08-30T00:00:00Z", "2022-11-10T07:38:00-08:00", with an
 * optional fraction of which milliseconds are kept) into ms since the epoch. A lone date
 * ("2024-08-30", midnight UTC) is accepted since Open Badges 2 era data carries it. Returns 0,
 * RN_EMALFORMED (not that form) or RN_ETIME (a field out of range, or before 1970).
 */
RN_MUST_USE int cred_time_parse(const char *s, size_t n, uint64_t *ms);

/* Formats ms since the epoch as "YYYY-MM-DDTHH:MM:SSZ" into out (at least 21 bytes). */
void cred_time_format(uint64_t ms, char out[21]);

#endif /* RN_CRED_CODEC_H */
