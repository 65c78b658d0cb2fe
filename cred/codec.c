/*
 * codec.c: base64url, base58btc, multibase, varints and RFC 3339 date-times (codec.h). Base64url
 * decodes through a table (strict: the checks are written out below); base58btc is the plain
 * quadratic big-number conversion, fine for the short strings credentials carry (keys and
 * signatures, under 600 characters).
 */
#include "codec.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

/* The longest base58btc text accepted: an RSA-4096 public key in DER is 526 bytes, which is
 * about 720 characters. */
#define B58_TEXT_MAX 1024u

/* The value of each base64url character, or 255. Table-driven rather than libsodium's
 * constant-time decoder: nothing decoded here is secret, and a badge's payload is kilobytes that a
 * verifier decodes on every check. */
const uint8_t cred_b64url_values[256] = {
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 62,  255, 255, 52,  53,  54,  55,  56,  57,  58,  59,  60,
    61,  255, 255, 255, 255, 255, 255, 255, 0,   1,   2,   3,   4,   5,   6,   7,   8,   9,   10,
    11,  12,  13,  14,  15,  16,  17,  18,  19,  20,  21,  22,  23,  24,  25,  255, 255, 255, 255,
    63,  255, 26,  27,  28,  29,  30,  31,  32,  33,  34,  35,  36,  37,  38,  39,  40,  41,  42,
    43,  44,  45,  46,  47,  48,  49,  50,  51,  255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255,
};

/* The same values shifted to their place in a group of four characters (24 bits), and bit 31 for
 * every byte outside the alphabet, so that a group decodes with four loads and three ORs and is
 * checked with one test: the payload of every token a verifier reads goes through this loop. */
#define B64_BAD 0x80000000u
#define B64V(c)                                                                                    \
    ((c) >= 'A' && (c) <= 'Z'   ? (uint32_t)((c) - 'A')                                            \
     : (c) >= 'a' && (c) <= 'z' ? (uint32_t)((c) - 'a' + 26)                                       \
     : (c) >= '0' && (c) <= '9' ? (uint32_t)((c) - '0' + 52)                                       \
     : (c) == '-'               ? 62u                                                              \
     : (c) == '_'               ? 63u                                                              \
                                : B64_BAD)
#define B64S(c, sh)   (B64V(c) == B64_BAD ? B64_BAD : B64V(c) << (sh))
#define B64R4(sh, i)  B64S(i, sh), B64S((i) + 1, sh), B64S((i) + 2, sh), B64S((i) + 3, sh)
#define B64R16(sh, i) B64R4(sh, i), B64R4(sh, (i) + 4), B64R4(sh, (i) + 8), B64R4(sh, (i) + 12)
#define B64R64(sh, i)                                                                              \
    B64R16(sh, i), B64R16(sh, (i) + 16), B64R16(sh, (i) + 32), B64R16(sh, (i) + 48)
#define B64R256(sh) B64R64(sh, 0), B64R64(sh, 64), B64R64(sh, 128), B64R64(sh, 192)
static const uint32_t B64_AT[4][256] = {
    { B64R256(18) }, { B64R256(12) }, { B64R256(6) }, { B64R256(0) }
};

int cred_b64url_decode(const char *s, size_t n, uint8_t **out, size_t *out_len)
{
    const uint8_t *t = cred_b64url_values;
    *out = NULL;
    *out_len = 0;
    /* A length of 1 mod 4 is no whole byte. */
    if (n == 0 || n % 4u == 1u)
        return RN_EMALFORMED;
    uint8_t *b = malloc(n / 4u * 3u + 3u);
    if (b == NULL)
        return RN_ENOMEM;
    size_t o = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t v = B64_AT[0][(uint8_t)s[i]] | B64_AT[1][(uint8_t)s[i + 1]] |
                     B64_AT[2][(uint8_t)s[i + 2]] | B64_AT[3][(uint8_t)s[i + 3]];
        if (v & B64_BAD)
            goto bad;
        b[o] = (uint8_t)(v >> 16);
        b[o + 1] = (uint8_t)(v >> 8);
        b[o + 2] = (uint8_t)v;
        o += 3;
    }
    if (i < n) {
        /* 2 or 3 characters: 1 or 2 bytes, and the bits left over must be zero. */
        uint8_t a = t[(uint8_t)s[i]], c = t[(uint8_t)s[i + 1]];
        uint8_t d = n - i == 3 ? t[(uint8_t)s[i + 2]] : 0;
        if ((a | c | d) & 0x80u)
            goto bad;
        uint32_t v = (uint32_t)a << 18 | (uint32_t)c << 12 | (uint32_t)d << 6;
        b[o++] = (uint8_t)(v >> 16);
        if (n - i == 3)
            b[o++] = (uint8_t)(v >> 8);
        if ((n - i == 2 && (c & 0x0fu) != 0) || (n - i == 3 && (d & 0x03u) != 0))
            goto bad;
    }
    b[o] = 0;
    *out = b;
    *out_len = o;
    return 0;
bad:
    free(b);
    return RN_EMALFORMED;
}

char *cred_b64url_encode(const uint8_t *in, size_t n)
{
    size_t cap = sodium_base64_encoded_len(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *s = malloc(cap);
    if (s == NULL)
        return NULL;
    sodium_bin2base64(s, cap, in, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return s;
}

static const char B58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

int cred_b58_decode(const char *s, size_t n, uint8_t *out, size_t cap, size_t *out_len)
{
    /* Big-endian base-256 accumulator, at most as long as the text. */
    uint8_t acc[B58_TEXT_MAX];
    size_t acc_len = 0, zeros = 0;
    *out_len = 0;
    if (n == 0)
        return RN_EMALFORMED;
    if (n > B58_TEXT_MAX)
        return RN_ETOOBIG;
    while (zeros < n && s[zeros] == '1')
        zeros++;
    for (size_t i = zeros; i < n; i++) {
        const char *p = s[i] != '\0' ? strchr(B58, s[i]) : NULL;
        if (p == NULL)
            return RN_EMALFORMED;
        unsigned carry = (unsigned)(p - B58);
        for (size_t k = acc_len; k-- > 0;) {
            carry += 58u * acc[k];
            acc[k] = (uint8_t)(carry & 0xffu);
            carry >>= 8;
        }
        while (carry > 0) {
            RN_ASSERT(acc_len < sizeof(acc));
            memmove(acc + 1, acc, acc_len);
            acc[0] = (uint8_t)(carry & 0xffu);
            acc_len++;
            carry >>= 8;
        }
    }
    if (zeros + acc_len > cap)
        return RN_ETOOBIG;
    memset(out, 0, zeros);
    memcpy(out + zeros, acc, acc_len);
    *out_len = zeros + acc_len;
    return 0;
}

int cred_multibase_decode(const char *s, size_t n, uint8_t *out, size_t cap, size_t *out_len)
{
    *out_len = 0;
    if (n < 2)
        return RN_EMALFORMED;
    if (s[0] == 'z')
        return cred_b58_decode(s + 1, n - 1, out, cap, out_len);
    if (s[0] == 'u') {
        uint8_t *b;
        size_t len;
        int rc = cred_b64url_decode(s + 1, n - 1, &b, &len);
        if (rc < 0)
            return rc;
        if (len > cap) {
            free(b);
            return RN_ETOOBIG;
        }
        memcpy(out, b, len);
        *out_len = len;
        free(b);
        return 0;
    }
    return RN_EMALFORMED;
}

int cred_multibase_encode(const uint8_t *in, size_t n, char *text, size_t cap)
{
    uint8_t digits[512]; /* base 58, little-endian; 256 bytes need at most 350 digits */
    size_t nd = 0, zeros = 0;
    if (n > 256)
        return RN_ETOOBIG;
    while (zeros < n && in[zeros] == 0)
        zeros++;
    for (size_t i = zeros; i < n; i++) {
        unsigned carry = in[i];
        for (size_t j = 0; j < nd; j++) {
            carry += (unsigned)digits[j] << 8;
            digits[j] = (uint8_t)(carry % 58);
            carry /= 58;
        }
        while (carry) {
            RN_ASSERT(nd < sizeof(digits));
            digits[nd++] = (uint8_t)(carry % 58);
            carry /= 58;
        }
    }
    if (1 + zeros + nd + 1 > cap)
        return RN_ETOOBIG;
    size_t k = 0;
    text[k++] = 'z';
    for (size_t i = 0; i < zeros; i++)
        text[k++] = '1';
    for (size_t j = 0; j < nd; j++)
        text[k++] = B58[digits[nd - 1 - j]];
    text[k] = '\0';
    return 0;
}

int cred_varint_read(const uint8_t *buf, size_t n, uint64_t *code, size_t *used)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n && i < 3; i++) {
        v |= (uint64_t)(buf[i] & 0x7fu) << (7u * i);
        if ((buf[i] & 0x80u) == 0) {
            *code = v;
            *used = i + 1;
            return 0;
        }
    }
    return RN_EMALFORMED;
}

/* ---- RFC 3339 ---- */

static bool digits(const char *s, size_t n, unsigned *v)
{
    *v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        *v = *v * 10u + (unsigned)(s[i] - '0');
    }
    return true;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar (Howard Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153u * (m > 2 ? m - 3 : m + 9) + 2u) / 5u + d - 1u;
    const unsigned doe = yoe * 365u + yoe / 4u - yoe / 100u + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static unsigned month_days(unsigned y, unsigned m)
{
    static const unsigned md[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (y % 4u == 0 && y % 100u != 0) || y % 400u == 0;
    return m == 2 && leap ? 29u : md[m - 1];
}

int cred_time_parse(const char *s, size_t n, uint64_t *ms)
{
    unsigned y, mo, d, h = 0, mi = 0, se = 0, frac_ms = 0, oh = 0, om = 0;
    int sign = 0;
    size_t i = 10;
    if (n < 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) || !digits(s + 5, 2, &mo) ||
        !digits(s + 8, 2, &d))
        return RN_EMALFORMED;
    if (n > 10) {
        if ((s[10] != 'T' && s[10] != 't') || n < 20 || s[13] != ':' || s[16] != ':' ||
            !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se))
            return RN_EMALFORMED;
        i = 19;
        if (i < n && s[i] == '.') {
            size_t f = ++i;
            unsigned scale = 100;
            while (i < n && s[i] >= '0' && s[i] <= '9') {
                frac_ms += (unsigned)(s[i] - '0') * scale;
                scale /= 10u;
                i++;
            }
            if (i == f || i - f > 9)
                return RN_EMALFORMED;
        }
        if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
            i++;
        } else if (i < n && (s[i] == '+' || s[i] == '-')) {
            sign = s[i] == '+' ? 1 : -1;
            if (n - i != 6 || s[i + 3] != ':' || !digits(s + i + 1, 2, &oh) ||
                !digits(s + i + 4, 2, &om))
                return RN_EMALFORMED;
            i += 6;
        } else {
            return RN_EMALFORMED;
        }
    }
    if (i != n)
        return RN_EMALFORMED;
    if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h > 23 || mi > 59 || se > 60 ||
        oh > 23 || om > 59)
        return RN_ETIME;
    int64_t t = days_from_civil((int64_t)y, mo, d) * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 +
                (int64_t)(se > 59 ? 59 : se);
    t -= sign * ((int64_t)oh * 3600 + (int64_t)om * 60);
    if (t < 0)
        return RN_ETIME;
    *ms = (uint64_t)t * 1000u + frac_ms;
    return 0;
}

/* Writes v as `digits` decimal digits, zero-padded. */
static void put_digits(char *out, unsigned v, unsigned digits)
{
    for (unsigned i = digits; i > 0; i--) {
        out[i - 1] = (char)('0' + v % 10u);
        v /= 10u;
    }
}

void cred_time_format(uint64_t ms, char out[21])
{
    uint64_t s = ms / 1000u;
    if (s < 253402300800ull) {
        /* Before the year 10000: the days since 1970 to a civil date (H. Hinnant's
         * civil_from_days, for days >= 0), the same text strftime writes below, without
         * gmtime_r and strftime's format parsing (four dates on each check). */
        uint64_t days = s / 86400u, sod = s % 86400u;
        uint64_t z = days + 719468u, era = z / 146097u, doe = z - era * 146097u;
        uint64_t yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u;
        uint64_t doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);
        uint64_t mp = (5u * doy + 2u) / 153u;
        unsigned d = (unsigned)(doy - (153u * mp + 2u) / 5u + 1u);
        unsigned m = (unsigned)(mp < 10u ? mp + 3u : mp - 9u);
        unsigned y = (unsigned)(yoe + era * 400u + (m <= 2u ? 1u : 0u));
        put_digits(out, y, 4);
        out[4] = '-';
        put_digits(out + 5, m, 2);
        out[7] = '-';
        put_digits(out + 8, d, 2);
        out[10] = 'T';
        put_digits(out + 11, (unsigned)(sod / 3600u), 2);
        out[13] = ':';
        put_digits(out + 14, (unsigned)(sod / 60u % 60u), 2);
        out[16] = ':';
        put_digits(out + 17, (unsigned)(sod % 60u), 2);
        out[19] = 'Z';
        out[20] = '\0';
        return;
    }
    time_t t = (time_t)s;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
