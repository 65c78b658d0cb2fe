/*
 * jcs.c: RFC 8785 (cred/jcs.h). Numbers: the shortest of the correctly rounded %.{p}e forms
 * (p = 1 .. 17) that strtod reads back to the same double gives the digits ECMAScript's
 * algorithm chooses (the shortest, and of those the closest); they are then laid out by the
 * rules of Number::toString (ECMA-262, 6.1.6.1.20).
 */
#include "cred/jcs.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

int cred_jcs_number(double d, char buf[CRED_JCS_NUMBER_CHARS])
{
    if (!isfinite(d))
        return RN_EINVAL;
    if (d == 0) {
        memcpy(buf, "0", 2);
        return 0;
    }
    char tmp[40];
    for (int p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof(tmp), "%.*e", p - 1, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    /* tmp is [-]d[.ddd]e(+|-)XX: the digits and the exponent. */
    char digits[24];
    int k = 0;
    const char *s = tmp;
    bool neg = *s == '-';
    if (neg)
        s++;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9')
            digits[k++] = *s;
    while (k > 1 && digits[k - 1] == '0')
        k--;
    RN_ASSERT(*s == 'e');
    long e = strtol(s + 1, NULL, 10);
    int n = (int)e + 1; /* the value is 0.digits * 10^n */
    char *o = buf;
    if (neg)
        *o++ = '-';
    if (k <= n && n <= 21) {
        memcpy(o, digits, (size_t)k);
        o += k;
        for (int i = k; i < n; i++)
            *o++ = '0';
    } else if (0 < n && n <= 21) {
        memcpy(o, digits, (size_t)n);
        o += n;
        *o++ = '.';
        memcpy(o, digits + n, (size_t)(k - n));
        o += k - n;
    } else if (-6 < n && n <= 0) {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -n; i++)
            *o++ = '0';
        memcpy(o, digits, (size_t)k);
        o += k;
    } else {
        *o++ = digits[0];
        if (k > 1) {
            *o++ = '.';
            memcpy(o, digits + 1, (size_t)(k - 1));
            o += k - 1;
        }
        o += snprintf(o, 8, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
    }
    *o = '\0';
    RN_ASSERT((size_t)(o - buf) < CRED_JCS_NUMBER_CHARS);
    return 0;
}

static int write_string(cred_buf *out, const char *s, size_t len)
{
    RN_TRY(cred_buf_add(out, "\"", 1));
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char u[7];
        const char *esc = cred_short_escape(c);
        if (esc == NULL && c < 0x20) {
            snprintf(u, sizeof(u), "\\u%04x", c);
            esc = u;
        }
        if (esc) {
            RN_TRY(cred_buf_add(out, s + run, i - run));
            RN_TRY(cred_buf_adds(out, esc));
            run = i + 1;
        }
    }
    RN_TRY(cred_buf_add(out, s + run, len - run));
    return cred_buf_add(out, "\"", 1);
}

/* The next UTF-16 code unit of the UTF-8 text at *p (jansson holds valid UTF-8 only); *pend
 * carries the low surrogate of a supplementary character between calls. */
static unsigned next_unit(const unsigned char **p, unsigned *pend)
{
    if (*pend) {
        unsigned u = *pend;
        *pend = 0;
        return u;
    }
    const unsigned char *s = *p;
    uint32_t c;
    if (s[0] < 0x80) {
        c = s[0];
        *p += 1;
    } else if (s[0] < 0xE0) {
        c = ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
        *p += 2;
    } else if (s[0] < 0xF0) {
        c = ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
        *p += 3;
    } else {
        c = ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) |
            (s[3] & 0x3Fu);
        *p += 4;
    }
    if (c >= 0x10000) {
        c -= 0x10000;
        *pend = 0xDC00 | (c & 0x3FF);
        return 0xD800 | (c >> 10);
    }
    return c;
}

static int cmp_utf16(const void *a, const void *b)
{
    const unsigned char *x = *(const unsigned char *const *)a;
    const unsigned char *y = *(const unsigned char *const *)b;
    unsigned px = 0, py = 0;
    for (;;) {
        if ((!*x && !px) || (!*y && !py))
            return (*x || px) - (*y || py);
        unsigned ux = next_unit(&x, &px), uy = next_unit(&y, &py);
        if (ux != uy)
            return ux < uy ? -1 : 1;
    }
}

static int write_value(const json_t *v, cred_buf *out, unsigned depth)
{
    if (depth > CRED_JCS_DEPTH_MAX)
        return RN_ETOOBIG;
    char num[CRED_JCS_NUMBER_CHARS];
    switch (json_typeof(v)) {
    case JSON_NULL:
        return cred_buf_adds(out, "null");
    case JSON_TRUE:
        return cred_buf_adds(out, "true");
    case JSON_FALSE:
        return cred_buf_adds(out, "false");
    case JSON_INTEGER:
        RN_TRY(cred_jcs_number((double)json_integer_value(v), num));
        return cred_buf_adds(out, num);
    case JSON_REAL:
        RN_TRY(cred_jcs_number(json_real_value(v), num));
        return cred_buf_adds(out, num);
    case JSON_STRING:
        return write_string(out, json_string_value(v), json_string_length(v));
    case JSON_ARRAY: {
        RN_TRY(cred_buf_add(out, "[", 1));
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                RN_TRY(cred_buf_add(out, ",", 1));
            RN_TRY(write_value(json_array_get(v, i), out, depth + 1));
        }
        return cred_buf_add(out, "]", 1);
    }
    case JSON_OBJECT: {
        size_t n = json_object_size(v), i = 0;
        const char **keys = malloc((n ? n : 1) * sizeof(char *));
        if (!keys)
            return RN_ENOMEM;
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)v, key, val)
        {
            keys[i++] = key;
        }
        qsort(keys, n, sizeof(char *), cmp_utf16);
        int rc = cred_buf_add(out, "{", 1);
        for (i = 0; i < n && rc == 0; i++) {
            if (i)
                rc = cred_buf_add(out, ",", 1);
            if (rc == 0)
                rc = write_string(out, keys[i], strlen(keys[i]));
            if (rc == 0)
                rc = cred_buf_add(out, ":", 1);
            if (rc == 0)
                rc = write_value(json_object_get(v, keys[i]), out, depth + 1);
        }
        free(keys);
        RN_TRY(rc);
        return cred_buf_add(out, "}", 1);
    }
    default:
        return RN_EINVAL;
    }
}

int cred_jcs_write(const json_t *v, cred_buf *out)
{
    size_t mark = out->len;
    int rc = write_value(v, out, 0);
    if (rc < 0) {
        out->len = mark;
        if (out->data)
            out->data[mark] = '\0';
    }
    return rc;
}

int cred_jcs_hash(const json_t *v, uint8_t out[32])
{
    cred_buf b;
    cred_buf_init(&b, 64u << 20);
    int rc = cred_jcs_write(v, &b);
    if (rc == 0)
        crypto_hash_sha256(out, (const unsigned char *)(b.data ? b.data : ""), b.len);
    cred_buf_free(&b);
    return rc;
}
