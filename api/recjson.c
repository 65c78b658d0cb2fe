/*
 * recjson.c: the record kinds to and from JSON (recjson.h), driven by the field tables of
 * proto/fields.h: each row names a JSON field, its form, and where it lives in the proto_record
 * struct, beside its wire key and type. Reading, writing and the publish command's flags all walk
 * the same rows as the wire decoder and encoder.
 */
#include "recjson.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cred/codec.h"
#include "cred/did.h"
#include "cred/key.h"
#include "proto/codes.h"
#include "proto/fields.h"
#include "proto/key.h"

/* ---- Field tables ---- */

/* The rows are proto/fields.h's: the wire's own tables, whose JSON column says what each field
 * is called here and how its value is written. */
typedef proto_field fdesc;

/* An optional number or time that is 0 when absent: left out when 0, and a 0 given is refused
 * (a time of 1970-01-01, a level 0). An issuer key's open end is null instead. */
static bool opt(const fdesc *f)
{
    return !f->req && f->json_form != PROTO_JSON_TIME_NIL;
}

/* The item count of a list field, or an optional number's has-flag, at f->aux. */
#define AUX_AT(base, f, T)  AT(base, (size_t)(f)->aux, T)
#define AUX_CAT(base, f, T) CAT(base, (size_t)(f)->aux, T)

/* ---- Small helpers ---- */

#define AT(base, off, T)  ((T *)(void *)((char *)(base) + (off)))
#define CAT(base, off, T) ((const T *)(const void *)((const char *)(base) + (off)))

static int err_set(rec_err *e, int code, const char *path, unsigned index, const char *detail)
{
    e->code = code;
    snprintf(e->field, sizeof(e->field), "%s", path != NULL ? path : "");
    e->index = index;
    snprintf(e->detail, sizeof(e->detail), "%.255s", detail != NULL ? detail : "");
    return code;
}

char *rec_err_format(const rec_err *e, char *out, size_t len)
{
    char where[REC_FIELD_BYTES + 16];
    if (len == 0)
        return out;
    if (e->field[0] == '\0')
        where[0] = '\0';
    else if (e->index > 0)
        snprintf(where, sizeof(where), "%s[%u]: ", e->field, e->index - 1);
    else
        snprintf(where, sizeof(where), "%s: ", e->field);
    if (e->detail[0] != '\0')
        snprintf(out, len, "%s%s (%s)", where, rn_strerror(e->code), e->detail);
    else
        snprintf(out, len, "%s%s", where, rn_strerror(e->code));
    return out;
}

void rec_hex(const uint8_t *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

bool rec_unhex(const char *s, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        int hi = cred_hex_digit(s[2 * i]), lo = cred_hex_digit(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* The accepted names of an enumeration or vocabulary, for a message: "accepted: a, b, c". */
static void names_list(uint8_t form, int aux, char *out, size_t len)
{
    unsigned n = form == PROTO_JSON_ENUM ? proto_enum_size((proto_enum)aux)
                                         : proto_codes_vocab_size((proto_vocab)aux);
    int w = snprintf(out, len, "accepted: ");
    size_t used = w > 0 && (size_t)w < len ? (size_t)w : 0;
    for (unsigned v = 1; v <= n && used < len; v++) {
        const char *name = form == PROTO_JSON_ENUM ? proto_enum_value_name((proto_enum)aux, v)
                                                   : proto_codes_vocab_name((proto_vocab)aux, v);
        w = snprintf(out + used, len - used, "%s%s", v == 1 ? "" : ", ", name != NULL ? name : "?");
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* ---- Times ---- */

/* Days since 1970-01-01 of a civil date (proleptic Gregorian; Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int64_t y, unsigned m)
{
    static const unsigned days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Reads exactly n digits at s[*i]. */
static bool digits(const char *s, size_t len, size_t *i, unsigned n, unsigned *v)
{
    unsigned x = 0;
    if (*i + n > len)
        return false;
    for (unsigned k = 0; k < n; k++) {
        char c = s[*i + k];
        if (c < '0' || c > '9')
            return false;
        x = x * 10 + (unsigned)(c - '0');
    }
    *i += n;
    *v = x;
    return true;
}

static bool lit(const char *s, size_t len, size_t *i, char c)
{
    if (*i < len && s[*i] == c) {
        (*i)++;
        return true;
    }
    return false;
}

uint64_t rec_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int rec_time_parse(const char *s, size_t len, uint64_t *ms)
{
    size_t i = 0;
    unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, frac = 0;
    int64_t offset_min = 0;

    if (len == 0 || len > REC_TIME_BYTES)
        return RN_ETIME;
    if (len == 3 && memcmp(s, "now", 3) == 0) {
        *ms = rec_now_ms();
        return 0;
    }
    /* Only digits: milliseconds since the epoch. */
    size_t nd = 0;
    while (nd < len && s[nd] >= '0' && s[nd] <= '9')
        nd++;
    if (nd == len) {
        uint64_t v = 0;
        if (len > 15)
            return RN_ETIME;
        for (size_t k = 0; k < len; k++)
            v = v * 10 + (uint64_t)(s[k] - '0');
        if (v > RN_TIME_MS_MAX)
            return RN_ETIME;
        *ms = v;
        return 0;
    }
    if (!digits(s, len, &i, 4, &y) || !lit(s, len, &i, '-') || !digits(s, len, &i, 2, &mo) ||
        !lit(s, len, &i, '-') || !digits(s, len, &i, 2, &d))
        return RN_ETIME;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo))
        return RN_ETIME;
    if (i < len) {
        if (!lit(s, len, &i, 'T') || !digits(s, len, &i, 2, &h) || !lit(s, len, &i, ':') ||
            !digits(s, len, &i, 2, &mi))
            return RN_ETIME;
        if (lit(s, len, &i, ':') && !digits(s, len, &i, 2, &sec))
            return RN_ETIME;
        if (lit(s, len, &i, '.')) {
            unsigned n = 0;
            while (i < len && s[i] >= '0' && s[i] <= '9' && n < 3) {
                frac = frac * 10 + (unsigned)(s[i] - '0');
                i++;
                n++;
            }
            if (n == 0 || (i < len && s[i] >= '0' && s[i] <= '9'))
                return RN_ETIME; /* no digit, or finer than a millisecond */
            while (n++ < 3)
                frac *= 10;
        }
        if (h > 23 || mi > 59 || sec > 59)
            return RN_ETIME;
        /* A datetime names its zone: Z, or an offset from UTC. */
        if (lit(s, len, &i, 'Z')) {
            offset_min = 0;
        } else if (i < len && (s[i] == '+' || s[i] == '-')) {
            int sign = s[i] == '+' ? 1 : -1;
            unsigned oh, om;
            i++;
            if (!digits(s, len, &i, 2, &oh) || !lit(s, len, &i, ':') ||
                !digits(s, len, &i, 2, &om) || oh > 23 || om > 59)
                return RN_ETIME;
            offset_min = sign * (int64_t)(oh * 60 + om);
        } else {
            return RN_ETIME;
        }
        if (i != len)
            return RN_ETIME;
    }
    int64_t t = days_from_civil(y, mo, d) * 86400000 + (int64_t)h * 3600000 + (int64_t)mi * 60000 +
                (int64_t)sec * 1000 + frac - offset_min * 60000;
    if (t < 0 || (uint64_t)t > RN_TIME_MS_MAX)
        return RN_ETIME;
    *ms = (uint64_t)t;
    return 0;
}

void rec_time_format(uint64_t ms, char out[REC_TIME_BYTES])
{
    int64_t y;
    unsigned m, d;
    uint64_t days = ms / 86400000u, rem = ms % 86400000u;
    civil_from_days((int64_t)days, &y, &m, &d);
    if (rem == 0) {
        snprintf(out, REC_TIME_BYTES, "%04lld-%02u-%02u", (long long)y, m, d);
        return;
    }
    unsigned h = (unsigned)(rem / 3600000u), mi = (unsigned)(rem / 60000u % 60u),
             s = (unsigned)(rem / 1000u % 60u), f = (unsigned)(rem % 1000u);
    if (f != 0)
        snprintf(out, REC_TIME_BYTES, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ", (long long)y, m, d,
                 h, mi, s, f);
    else
        snprintf(out, REC_TIME_BYTES, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m, d, h, mi,
                 s);
}

/* ---- ECTS ---- */

int rec_ects_parse(const char *s, size_t len, uint32_t *centi)
{
    uint64_t whole = 0;
    unsigned frac = 0, nfrac = 0;
    size_t i = 0;
    if (len == 0 || len > 16)
        return RN_EECTS;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        whole = whole * 10 + (uint64_t)(s[i] - '0');
        i++;
    }
    if (i == 0)
        return RN_EECTS;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (nfrac == 2) {
                if (s[i] != '0') /* finer than a hundredth */
                    return RN_EECTS;
            } else {
                frac = frac * 10 + (unsigned)(s[i] - '0');
                nfrac++;
            }
            i++;
        }
    }
    if (i != len)
        return RN_EECTS;
    while (nfrac < 2) {
        frac *= 10;
        nfrac++;
    }
    uint64_t v = whole * 100 + frac;
    if (v > UINT32_MAX)
        return RN_EECTS;
    *centi = (uint32_t)v;
    return 0;
}

void rec_ects_format(uint32_t centi, char out[16])
{
    if (centi % 100 == 0)
        snprintf(out, 16, "%u", centi / 100);
    else if (centi % 10 == 0)
        snprintf(out, 16, "%u.%u", centi / 100, centi % 100 / 10);
    else
        snprintf(out, 16, "%u.%02u", centi / 100, centi % 100);
}

json_t *rec_ects_json(uint32_t centi)
{
    if (centi % 100 == 0)
        return json_integer(centi / 100);
    return json_real((double)centi / 100.0);
}

/* ECTS from a JSON number or string. */
static int ects_from_json(json_t *v, uint32_t *centi)
{
    if (json_is_string(v))
        return rec_ects_parse(json_string_value(v), json_string_length(v), centi);
    if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        if (x < 0 || x > (json_int_t)(UINT32_MAX / 100))
            return RN_EECTS;
        *centi = (uint32_t)x * 100u;
        return 0;
    }
    if (json_is_real(v)) {
        /* jansson kept only the double: format it back with two decimals and check that
         * nothing finer was asked for. */
        double x = json_real_value(v);
        if (!(x >= 0) || x > (double)(UINT32_MAX / 100))
            return RN_EECTS;
        double c = x * 100.0;
        double r = (double)(uint64_t)(c + 0.5);
        if (c - r > 1e-6 || r - c > 1e-6)
            return RN_EECTS;
        *centi = (uint32_t)r;
        return 0;
    }
    return RN_ETYPE;
}

/* ---- JSON to record ---- */

typedef struct reader {
    rec_bytes *bytes;
    rec_err *e;
} reader;

static int path_join(char out[REC_FIELD_BYTES], const char *path, const char *name)
{
    snprintf(out, REC_FIELD_BYTES, "%s.%s", path, name);
    return 0;
}

static int want_string(reader *rd, json_t *v, const char *path, unsigned index, proto_str *s)
{
    if (!json_is_string(v))
        return err_set(rd->e, RN_ETYPE, path, index, "expected a string");
    size_t len = json_string_length(v);
    if (len > UINT32_MAX)
        return err_set(rd->e, RN_ELEN, path, index, NULL);
    s->ptr = (const uint8_t *)json_string_value(v);
    s->len = (uint32_t)len;
    return 0;
}

static int want_country(reader *rd, json_t *v, const char *path, unsigned index, proto_str *s)
{
    RN_TRY(want_string(rd, v, path, index, s));
    const proto_country *c = proto_country_find((const char *)s->ptr, s->len);
    if (c != NULL)
        *s = proto_str_c(c->alpha2); /* "EL" becomes "GR"; the string is static */
    return 0;
}

static int want_time(reader *rd, json_t *v, const char *path, unsigned index, uint64_t *ms)
{
    static const char *const expect = "expected a date (2024-09-01), a datetime with its zone "
                                      "(2024-09-01T10:30:00Z), ms since the epoch or now";
    if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        if (x < 0 || (uint64_t)x > RN_TIME_MS_MAX)
            return err_set(rd->e, RN_ETIME, path, index, expect);
        *ms = (uint64_t)x;
        return 0;
    }
    if (!json_is_string(v) || rec_time_parse(json_string_value(v), json_string_length(v), ms) < 0)
        return err_set(rd->e, RN_ETIME, path, index, expect);
    return 0;
}

static int take_bytes(reader *rd, const char *path, unsigned index, uint8_t **out)
{
    if (rd->bytes->used >= sizeof(rd->bytes->b) / sizeof(rd->bytes->b[0]))
        return err_set(rd->e, RN_ECOUNT, path, index, "too many keys");
    *out = rd->bytes->b[rd->bytes->used++];
    return 0;
}

static int read_table(reader *rd, const proto_fields *t, void *base, json_t *obj, const char *path,
                      bool top, proto_kind kind);

int rec_jwk_canonical(const json_t *jwk, char *out, size_t len, char *why, size_t why_len)
{
    /* RFC 7638 section 3.2: the required members of each kty, in lexicographic order. */
    static const char *const priv[] = { "d", "p", "q", "dp", "dq", "qi", "oth", "k" };
    static const struct {
        const char *kty;
        const char *members[5]; /* NULL-terminated */
    } forms[] = {
        { "RSA", { "e", "kty", "n", NULL } },
        { "EC", { "crv", "kty", "x", "y", NULL } },
        { "OKP", { "crv", "kty", "x", NULL } },
    };
    const char *kty;
    size_t at = 0, fi;
    cred_key k = { 0 };

    if (!json_is_object(jwk)) {
        snprintf(why, why_len, "a JWK is a JSON object");
        return RN_ETYPE;
    }
    for (size_t i = 0; i < sizeof(priv) / sizeof(priv[0]); i++)
        if (json_object_get(jwk, priv[i]) != NULL) {
            snprintf(why, why_len,
                     "the JWK holds private key material (\"%s\"): register the public key only, "
                     "and treat this one as leaked",
                     priv[i]);
            return RN_EKEY;
        }
    kty = json_string_value(json_object_get(jwk, "kty"));
    for (fi = 0; kty != NULL && fi < sizeof(forms) / sizeof(forms[0]); fi++)
        if (strcmp(kty, forms[fi].kty) == 0)
            break;
    if (kty == NULL || fi == sizeof(forms) / sizeof(forms[0])) {
        snprintf(why, why_len,
                 "unknown kty %s%s%s: an issuer key is RSA, EC (P-256) or OKP "
                 "(Ed25519)",
                 kty != NULL ? "\"" : "", kty != NULL ? kty : "(none)", kty != NULL ? "\"" : "");
        return RN_EKEY;
    }
    int rc = cred_key_from_jwk(jwk, &k, why, why_len);
    cred_key_free(&k);
    if (rc < 0)
        return rc == RN_ETYPE ? RN_ETYPE : RN_EKEY;
    /* Members as given (cred_key_from_jwk has read them): the text keeps their spelling, and the
     * protocol's decoder refuses a spelling that is not canonical base64url. */
    at = (size_t)snprintf(out, len, "{");
    for (size_t i = 0; forms[fi].members[i] != NULL; i++) {
        const char *name = forms[fi].members[i];
        const char *value = json_string_value(json_object_get(jwk, name));
        if (value == NULL) {
            snprintf(why, why_len, "the JWK's \"%s\" is not a string", name);
            return RN_ETYPE;
        }
        at += (size_t)snprintf(out + (at < len ? at : len), at < len ? len - at : 0,
                               "%s\"%s\":\"%s\"", i > 0 ? "," : "", name, value);
    }
    at += (size_t)snprintf(out + (at < len ? at : len), at < len ? len - at : 0, "}");
    if (at >= len) {
        snprintf(why, why_len, "the JWK is longer than %zu bytes", len - 1);
        return RN_ELEN;
    }
    return 0;
}

int rec_key_text_check(const char *text, size_t len, char *why, size_t why_len)
{
    int rc = 0;
    if (len > 0 && text[0] == '{') {
        json_error_t je;
        cred_key k = { 0 };
        json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
        if (j == NULL) {
            snprintf(why, why_len, "not a JWK: the text is not JSON");
            return RN_EKEY;
        }
        rc = cred_key_from_jwk(j, &k, why, why_len);
        cred_key_free(&k);
        json_decref(j);
        return rc < 0 ? RN_EKEY : 0;
    }
    if (len > RN_ISSUER_DID_BYTES_MAX) {
        snprintf(why, why_len, "a DID is at most %u bytes", (unsigned)RN_ISSUER_DID_BYTES_MAX);
        return RN_ELEN;
    }
    if (len > 8 && (memcmp(text, "did:key:", 8) == 0 || memcmp(text, "did:jwk:", 8) == 0) &&
        memchr(text, '\0', len) == NULL) {
        char *s = strndup(text, len);
        cred_resolved res;
        if (s == NULL) {
            snprintf(why, why_len, "out of memory");
            return RN_ENOMEM;
        }
        rc = cred_resolve(NULL, s, &res, why, why_len);
        free(s);
        if (rc < 0)
            return RN_EKEY;
        cred_resolved_free(&res);
    }
    return 0;
}

/* An issuer key of a later form: a JWK object (or its text) becomes its canonical text, kept in
 * rd->bytes; a DID string is taken as typed. Either is checked as a verifier would read it
 * (rec_key_text_check); the form and the canonical spelling are the decoder's to check. */
static int read_key_text(reader *rd, json_t *v, const char *path, proto_str *out)
{
    char why[REC_DETAIL_BYTES] = "";
    json_t *parsed = NULL;
    int rc;
    if (json_is_string(v) && json_string_value(v)[0] != '{') {
        RN_TRY(want_string(rd, v, path, 0, out));
        if ((rc = rec_key_text_check((const char *)out->ptr, out->len, why, sizeof(why))) < 0)
            return err_set(rd->e, rc, path, 0, why);
        return 0;
    }
    if (json_is_string(v)) {
        json_error_t je;
        parsed = json_loads(json_string_value(v), JSON_REJECT_DUPLICATES, &je);
        if (parsed == NULL)
            return err_set(rd->e, RN_EKEY, path, 0, "not a JWK: the text is not JSON");
        v = parsed;
    }
    if (!json_is_object(v)) {
        json_decref(parsed);
        return err_set(rd->e, RN_EKEY, path, 0, "expected a JWK object or a DID string");
    }
    if (rd->bytes->jwk_used >= RN_ISSUER_KEYS_EXT_MAX) {
        json_decref(parsed);
        return err_set(rd->e, RN_ECOUNT, path, 0, "too many keys");
    }
    char *text = rd->bytes->jwk[rd->bytes->jwk_used];
    rc = rec_jwk_canonical(v, text, sizeof(rd->bytes->jwk[0]), why, sizeof(why));
    json_decref(parsed);
    if (rc < 0)
        return err_set(rd->e, rc, path, 0, why);
    rd->bytes->jwk_used++;
    *out = proto_str_c(text);
    return 0;
}

static int read_list_strings(reader *rd, const fdesc *f, void *base, json_t *v, const char *path)
{
    proto_str *items = AT(base, f->off, proto_str);
    uint32_t *n = AUX_AT(base, f, uint32_t);
    if (!json_is_array(v))
        return err_set(rd->e, RN_ETYPE, path, 0, "expected a list of strings");
    size_t count = json_array_size(v);
    if (count > f->max)
        return err_set(rd->e, RN_ECOUNT, path, 0, NULL);
    for (size_t i = 0; i < count; i++) {
        json_t *item = json_array_get(v, i);
        if (f->json_form == PROTO_JSON_COUNTRIES)
            RN_TRY(want_country(rd, item, path, (unsigned)i + 1, &items[i]));
        else
            RN_TRY(want_string(rd, item, path, (unsigned)i + 1, &items[i]));
    }
    *n = (uint32_t)count;
    return 0;
}

static int lang_cmp(const void *a, const void *b)
{
    const proto_lang_text *x = a, *y = b;
    size_t n = x->lang.len < y->lang.len ? x->lang.len : y->lang.len;
    int c = n > 0 ? memcmp(x->lang.ptr, y->lang.ptr, n) : 0;
    if (c != 0)
        return c;
    return x->lang.len < y->lang.len ? -1 : x->lang.len > y->lang.len ? 1 : 0;
}

static int read_title(reader *rd, const fdesc *f, void *base, json_t *v, const char *path)
{
    proto_lang_text *items = AT(base, f->off, proto_lang_text);
    uint32_t *n = AUX_AT(base, f, uint32_t);
    const char *lang;
    json_t *text;
    uint32_t i = 0;
    if (!json_is_object(v))
        return err_set(rd->e, RN_ETYPE, path, 0,
                       "expected an object of language to text, like {\"en\": \"...\"}");
    if (json_object_size(v) > f->max)
        return err_set(rd->e, RN_ECOUNT, path, 0, NULL);
    if (json_object_size(v) == 0) /* an optional map is left out, never empty */
        return err_set(rd->e, RN_ECOUNT, path, 0, "at least one language");
    json_object_foreach(v, lang, text)
    {
        items[i].lang = proto_str_c(lang);
        RN_TRY(want_string(rd, text, path, i + 1, &items[i].text));
        i++;
    }
    /* The wire wants the languages in ascending order; JSON objects have none. */
    qsort(items, i, sizeof(items[0]), lang_cmp);
    *n = i;
    return 0;
}

static int read_field(reader *rd, const fdesc *f, void *base, json_t *v, const char *path)
{
    char detail[REC_DETAIL_BYTES];
    switch (f->json_form) {
    case PROTO_JSON_STR:
        return want_string(rd, v, path, 0, AT(base, f->off, proto_str));
    case PROTO_JSON_COUNTRY:
        return want_country(rd, v, path, 0, AT(base, f->off, proto_str));
    case PROTO_JSON_TIME_NIL:
        if (json_is_null(v)) {
            *AT(base, f->off, uint64_t) = 0;
            return 0;
        }
        /* fall through */
    case PROTO_JSON_TIME: {
        uint64_t ms;
        RN_TRY(want_time(rd, v, path, 0, &ms));
        if (opt(f) && ms == 0)
            return err_set(rd->e, RN_EDATES, path, 0, "an end of validity cannot be the epoch");
        *AT(base, f->off, uint64_t) = ms;
        return 0;
    }
    case PROTO_JSON_ECTS:
    case PROTO_JSON_ECTS_HAS: {
        uint32_t c;
        int rc = ects_from_json(v, &c);
        if (rc < 0)
            return err_set(rd->e, RN_EECTS, path, 0,
                           "expected a number of ECTS with at most two decimals, like 2.5");
        if (f->json_form == PROTO_JSON_ECTS && c == 0)
            return err_set(rd->e, RN_EECTS, path, 0, "at least 0.01");
        *AT(base, f->off, uint32_t) = c;
        if (f->json_form == PROTO_JSON_ECTS_HAS)
            *AUX_AT(base, f, bool) = true;
        return 0;
    }
    case PROTO_JSON_UINT: {
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) > (json_int_t)UINT32_MAX)
            return err_set(rd->e, RN_ETYPE, path, 0, "expected a whole number");
        uint32_t x = (uint32_t)json_integer_value(v);
        /* An optional number without a has-flag is absent when 0 (EQF levels); with one (a
         * revocation's status_index) 0 is a value. */
        if (opt(f) && f->aux < 0 && x == 0)
            return err_set(rd->e, RN_EEQF, path, 0, NULL);
        *AT(base, f->off, uint32_t) = x;
        if (f->aux >= 0)
            *AUX_AT(base, f, bool) = true;
        return 0;
    }
    case PROTO_JSON_ENUM:
    case PROTO_JSON_VOCAB: {
        int x;
        names_list(f->json_form, f->json_names, detail, sizeof(detail));
        if (!json_is_string(v))
            return err_set(rd->e, f->json_form == PROTO_JSON_ENUM ? RN_EENUM : RN_EVOCAB, path, 0,
                           detail);
        if (f->json_form == PROTO_JSON_ENUM)
            x = proto_enum_value_parse((proto_enum)f->json_names, json_string_value(v));
        else
            x = proto_codes_vocab_number((proto_vocab)f->json_names, json_string_value(v),
                                         json_string_length(v));
        if (x < 0)
            return err_set(rd->e, f->json_form == PROTO_JSON_ENUM ? RN_EENUM : RN_EVOCAB, path, 0,
                           detail);
        *AT(base, f->off, uint32_t) = (uint32_t)x;
        return 0;
    }
    case PROTO_JSON_BOOL:
        if (!json_is_boolean(v))
            return err_set(rd->e, RN_ETYPE, path, 0, "expected true or false");
        *AT(base, f->off, bool) = json_is_true(v);
        return 0;
    case PROTO_JSON_KEY: {
        uint8_t *k;
        if (!json_is_string(v))
            return err_set(rd->e, RN_EKEY, path, 0, "expected a key rn1:...");
        RN_TRY(take_bytes(rd, path, 0, &k));
        if (proto_key_text_parse(json_string_value(v), json_string_length(v), k) < 0)
            return err_set(rd->e, RN_EKEY, path, 0, "expected a key rn1:...");
        *AT(base, f->off, const uint8_t *) = k;
        return 0;
    }
    case PROTO_JSON_DIGEST: {
        uint8_t *k;
        const char *s = json_is_string(v) ? json_string_value(v) : NULL;
        if (s == NULL || json_string_length(v) != 2 * PROTO_DIGEST_BYTES)
            return err_set(rd->e, RN_ELEN, path, 0, "expected 64 hex digits");
        RN_TRY(take_bytes(rd, path, 0, &k));
        if (!rec_unhex(s, PROTO_DIGEST_BYTES, k))
            return err_set(rd->e, RN_ELEN, path, 0, "expected 64 hex digits");
        *AT(base, f->off, const uint8_t *) = k;
        return 0;
    }
    case PROTO_JSON_KEY_TEXT:
        return read_key_text(rd, v, path, AT(base, f->off, proto_str));
    case PROTO_JSON_HEX: {
        const char *x = json_is_string(v) ? json_string_value(v) : NULL;
        size_t n = x != NULL ? json_string_length(v) : 0, room;
        proto_str *out = AT(base, f->off, proto_str);
        if (x == NULL || n == 0 || n % 2 != 0)
            return err_set(rd->e, RN_ELEN, path, 0, "expected an even number of hex digits");
        room = sizeof(rd->bytes->bin) - rd->bytes->bin_used;
        if (n / 2 > room || n / 2 > f->max)
            return err_set(rd->e, RN_ELEN, path, 0, "too long");
        uint8_t *b = rd->bytes->bin + rd->bytes->bin_used;
        if (!rec_unhex(x, n / 2, b))
            return err_set(rd->e, RN_ELEN, path, 0, "expected hex digits");
        rd->bytes->bin_used += n / 2;
        out->ptr = b;
        out->len = (uint32_t)(n / 2);
        return 0;
    }
    case PROTO_JSON_SEQ:
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            (uint64_t)json_integer_value(v) > RN_SEQ_MAX)
            return err_set(rd->e, RN_ESEQ, path, 0, "expected a whole number below 2^53");
        *AT(base, f->off, uint64_t) = (uint64_t)json_integer_value(v);
        return 0;
    case PROTO_JSON_STRS:
    case PROTO_JSON_COUNTRIES:
        return read_list_strings(rd, f, base, v, path);
    case PROTO_JSON_TITLE:
        return read_title(rd, f, base, v, path);
    case PROTO_JSON_OBJS: {
        uint32_t *n = AUX_AT(base, f, uint32_t);
        if (!json_is_array(v))
            return err_set(rd->e, RN_ETYPE, path, 0, "expected a list of objects");
        size_t count = json_array_size(v);
        if (count > f->max)
            return err_set(rd->e, RN_ECOUNT, path, 0, NULL);
        for (size_t i = 0; i < count; i++) {
            json_t *item = json_array_get(v, i);
            void *ib = (char *)base + f->off + i * f->sub->size;
            if (!json_is_object(item))
                return err_set(rd->e, RN_ETYPE, path, (unsigned)i + 1, "expected an object");
            int rc = read_table(rd, f->sub, ib, item, path, false, 0);
            if (rc < 0) {
                if (rd->e->index == 0)
                    rd->e->index = (unsigned)i + 1;
                return rc;
            }
        }
        *n = (uint32_t)count;
        return 0;
    }
    case PROTO_JSON_OBJ:
        if (!json_is_object(v))
            return err_set(rd->e, RN_ETYPE, path, 0, "expected an object");
        return read_table(rd, f->sub, AT(base, f->off, char), v, path, false, 0);
    default:
        RN_ASSERT(0);
        return RN_EINVAL;
    }
}

static const fdesc *field_find(const proto_fields *t, const char *name)
{
    return proto_fields_find(t, name, strlen(name));
}

static int read_table(reader *rd, const proto_fields *t, void *base, json_t *obj, const char *path,
                      bool top, proto_kind kind)
{
    const char *key;
    json_t *v;
    char sub[REC_FIELD_BYTES];
    json_object_foreach(obj, key, v)
    {
        const fdesc *f = field_find(t, key);
        if (f == NULL && top && strcmp(key, "kind") == 0) {
            if (!json_is_string(v) || proto_kind_parse(json_string_value(v)) != (int)kind)
                return err_set(rd->e, RN_EKIND, "kind", 0, "not the kind being published");
            continue;
        }
        path_join(sub, path, key);
        if (f == NULL)
            return err_set(rd->e, RN_EUNKNOWNFIELD, sub, 0, "see PROTOCOL.md section 3");
        if (json_is_null(v) && f->json_form != PROTO_JSON_TIME_NIL)
            continue; /* null: absent */
        RN_TRY(read_field(rd, f, base, v, sub));
    }
    /* A required field left out is "missing", never a zero that reads as 1970-01-01 or as a
     * value outside an enumeration. */
    for (unsigned i = 0; i < t->n; i++) {
        json_t *x = json_object_get(obj, t->f[i].json);
        if (t->f[i].req && (x == NULL || json_is_null(x))) {
            path_join(sub, path, t->f[i].json);
            return err_set(rd->e, RN_EMISSING, sub, 0, NULL);
        }
    }
    return 0;
}

/* The row of the dotted path "spec.outcomes.text" of kind `kind`, or NULL. */
static const fdesc *field_by_path(proto_kind kind, const char *path)
{
    const proto_fields *t = proto_record_fields(kind);
    const fdesc *f = NULL;
    const char *kname = proto_kind_name((int)kind);
    size_t kn = strlen(kname);
    if (t == NULL || strncmp(path, kname, kn) != 0 || path[kn] != '.')
        return NULL;
    for (const char *p = path + kn + 1; t != NULL && *p != '\0';) {
        const char *dot = strchr(p, '.');
        size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);
        f = proto_fields_find(t, p, n);
        if (f == NULL || dot == NULL)
            return f;
        t = f->sub;
        p = dot + 1;
    }
    return NULL;
}

int rec_from_json(proto_record *r, proto_kind kind, json_t *obj, rec_bytes *bytes, rec_err *e)
{
    const proto_fields *t = proto_record_fields(kind);
    reader rd = { bytes, e };
    rn_diag d;
    memset(r, 0, sizeof(*r));
    memset(e, 0, sizeof(*e));
    bytes->used = 0;
    bytes->jwk_used = 0;
    bytes->bin_used = 0;
    if (t == NULL)
        return err_set(e, RN_EKIND, NULL, 0, NULL);
    if (!json_is_object(obj))
        return err_set(e, RN_ETYPE, proto_kind_name(kind), 0, "expected a JSON object");
    r->kind = kind;
    RN_TRY(read_table(&rd, t, &r->u, obj, proto_kind_name(kind), true, kind));
    memset(&d, 0, sizeof(d));
    int rc = proto_record_validate(r, &d);
    if (rc < 0 && d.code == rc && d.field != NULL) {
        char detail[REC_DETAIL_BYTES] = "";
        const fdesc *f = field_by_path(kind, d.field);
        if ((rc == RN_EENUM || rc == RN_EVOCAB) && f != NULL &&
            (f->json_form == PROTO_JSON_ENUM || f->json_form == PROTO_JSON_VOCAB))
            names_list(f->json_form, f->json_names, detail, sizeof(detail));
        return err_set(e, rc, d.field, d.index, detail);
    }
    if (rc < 0)
        return err_set(e, rc, NULL, 0, NULL);
    return 0;
}

/* ---- Field help ---- */

static const char *type_text(const fdesc *f)
{
    switch (f->json_form) {
    case PROTO_JSON_STR:
        return "text";
    case PROTO_JSON_COUNTRY:
        return "country code";
    case PROTO_JSON_TIME:
        return "time";
    case PROTO_JSON_TIME_NIL:
        return "time or null (open-ended)";
    case PROTO_JSON_ECTS:
    case PROTO_JSON_ECTS_HAS:
        return "ECTS";
    case PROTO_JSON_UINT:
        return "whole number";
    case PROTO_JSON_ENUM:
        return "enumeration";
    case PROTO_JSON_VOCAB:
        return "Annex I vocabulary";
    case PROTO_JSON_BOOL:
        return "true or false";
    case PROTO_JSON_KEY:
        return "key rn1:...";
    case PROTO_JSON_KEY_TEXT:
        return "JWK object or DID";
    case PROTO_JSON_DIGEST:
        return "64 hex digits";
    case PROTO_JSON_HEX:
        return "hex digits";
    case PROTO_JSON_SEQ:
        return "sequence number";
    case PROTO_JSON_STRS:
        return "list of text";
    case PROTO_JSON_COUNTRIES:
        return "list of country codes";
    case PROTO_JSON_TITLE:
        return "{language: text}";
    case PROTO_JSON_OBJS:
        return "list of objects";
    case PROTO_JSON_OBJ:
        return "object";
    default:
        return "?";
    }
}

static void fields_help(const proto_fields *tab, const char *prefix, FILE *f)
{
    char name[REC_FIELD_BYTES], vals[REC_DETAIL_BYTES];
    for (unsigned i = 0; i < tab->n; i++) {
        const fdesc *t = &tab->f[i];
        snprintf(name, sizeof(name), "%s%s", prefix, t->json);
        fprintf(f, "  %-28s %-9s %s", name, t->req ? "required" : "optional", type_text(t));
        if (t->json_form == PROTO_JSON_ENUM || t->json_form == PROTO_JSON_VOCAB) {
            names_list(t->json_form, t->json_names, vals, sizeof(vals));
            fprintf(f, " (%s)", vals);
        }
        fputc('\n', f);
        if (t->sub != NULL) {
            char sub[REC_FIELD_BYTES + 2];
            snprintf(sub, sizeof(sub), "%s.", name);
            fields_help(t->sub, sub, f);
        }
    }
}

void rec_fields_help(proto_kind kind, FILE *f)
{
    const proto_fields *t = proto_record_fields(kind);
    if (t == NULL)
        return;
    fprintf(f, "Fields of a %s record (a nested field is required when its object is given):\n",
            proto_kind_name((int)kind));
    fields_help(t, "", f);
}

/* ---- Record to JSON ---- */

static json_t *str_json(proto_str s)
{
    return json_stringn((const char *)s.ptr, s.len);
}

static json_t *time_json(uint64_t ms)
{
    char buf[REC_TIME_BYTES];
    rec_time_format(ms, buf);
    return json_string(buf);
}

static json_t *write_table(const proto_fields *t, const void *base);

/* The JSON of field f, or NULL when it is absent (or out of memory: the caller cannot tell, and
 * a record missing a field on output is then the worst that happens). */
static json_t *write_field(const fdesc *f, const void *base)
{
    switch (f->json_form) {
    case PROTO_JSON_STR:
    case PROTO_JSON_COUNTRY: {
        proto_str s = *CAT(base, f->off, proto_str);
        return s.len == 0 ? NULL : str_json(s);
    }
    case PROTO_JSON_TIME:
    case PROTO_JSON_TIME_NIL: {
        uint64_t ms = *CAT(base, f->off, uint64_t);
        if (f->json_form == PROTO_JSON_TIME_NIL && ms == 0)
            return json_null();
        if (opt(f) && ms == 0)
            return NULL;
        return time_json(ms);
    }
    case PROTO_JSON_ECTS: {
        uint32_t c = *CAT(base, f->off, uint32_t);
        return opt(f) && c == 0 ? NULL : rec_ects_json(c);
    }
    case PROTO_JSON_ECTS_HAS:
        if (!*AUX_CAT(base, f, bool))
            return NULL;
        return rec_ects_json(*CAT(base, f->off, uint32_t));
    case PROTO_JSON_UINT: {
        uint32_t x = *CAT(base, f->off, uint32_t);
        if (f->aux >= 0)
            return *AUX_CAT(base, f, bool) ? json_integer(x) : NULL;
        return opt(f) && x == 0 ? NULL : json_integer(x);
    }
    case PROTO_JSON_ENUM:
    case PROTO_JSON_VOCAB: {
        uint32_t x = *CAT(base, f->off, uint32_t);
        const char *name = f->json_form == PROTO_JSON_ENUM
                               ? proto_enum_value_name((proto_enum)f->json_names, x)
                               : proto_codes_vocab_name((proto_vocab)f->json_names, x);
        if (x == 0)
            return NULL;
        return name != NULL ? json_string(name) : json_integer(x);
    }
    case PROTO_JSON_BOOL:
        return json_boolean(*CAT(base, f->off, bool));
    case PROTO_JSON_KEY: {
        const uint8_t *k = *CAT(base, f->off, const uint8_t *);
        char text[PROTO_KEY_TEXT_LEN + 1];
        if (k == NULL)
            return NULL;
        proto_key_text_format(k, text);
        return json_string(text);
    }
    case PROTO_JSON_DIGEST: {
        const uint8_t *k = *CAT(base, f->off, const uint8_t *);
        char hex[2 * PROTO_DIGEST_BYTES + 1];
        if (k == NULL)
            return NULL;
        rec_hex(k, PROTO_DIGEST_BYTES, hex);
        return json_string(hex);
    }
    case PROTO_JSON_KEY_TEXT: {
        proto_str s = *CAT(base, f->off, proto_str);
        json_error_t je;
        json_t *o;
        if (s.len == 0)
            return NULL;
        /* A JWK as the object it is; a DID as its text. */
        if (s.ptr[0] == '{' &&
            (o = json_loadb((const char *)s.ptr, s.len, JSON_REJECT_DUPLICATES, &je)) != NULL)
            return o;
        return str_json(s);
    }
    case PROTO_JSON_HEX: {
        proto_str s = *CAT(base, f->off, proto_str);
        if (s.len == 0)
            return NULL;
        char *hex = malloc(2u * s.len + 1u);
        if (hex == NULL)
            return NULL;
        rec_hex(s.ptr, s.len, hex);
        json_t *o = json_string(hex);
        free(hex);
        return o;
    }
    case PROTO_JSON_SEQ:
        return json_integer((json_int_t)*CAT(base, f->off, uint64_t));
    case PROTO_JSON_STRS:
    case PROTO_JSON_COUNTRIES: {
        uint32_t n = *AUX_CAT(base, f, uint32_t);
        const proto_str *items = CAT(base, f->off, proto_str);
        if (n == 0)
            return NULL;
        json_t *a = json_array();
        for (uint32_t i = 0; a != NULL && i < n && i < f->max; i++)
            json_array_append_new(a, str_json(items[i]));
        return a;
    }
    case PROTO_JSON_TITLE: {
        uint32_t n = *AUX_CAT(base, f, uint32_t);
        const proto_lang_text *items = CAT(base, f->off, proto_lang_text);
        if (n == 0) /* an outcome without translations */
            return NULL;
        json_t *o = json_object();
        char lang[8];
        for (uint32_t i = 0; o != NULL && i < n && i < f->max; i++) {
            snprintf(lang, sizeof(lang), "%.*s", (int)items[i].lang.len,
                     (const char *)items[i].lang.ptr);
            json_object_set_new(o, lang, str_json(items[i].text));
        }
        return o;
    }
    case PROTO_JSON_OBJS: {
        uint32_t n = *AUX_CAT(base, f, uint32_t);
        if (n == 0)
            return NULL;
        json_t *a = json_array();
        for (uint32_t i = 0; a != NULL && i < n && i < f->max; i++)
            json_array_append_new(
                a, write_table(f->sub, (const char *)base + f->off + i * f->sub->size));
        return a;
    }
    case PROTO_JSON_OBJ: {
        json_t *o = write_table(f->sub, CAT(base, f->off, char));
        if (o != NULL && json_object_size(o) == 0) {
            json_decref(o);
            return NULL;
        }
        return o;
    }
    default:
        RN_ASSERT(0);
        return NULL;
    }
}

static json_t *write_table(const proto_fields *t, const void *base)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    for (unsigned i = 0; i < t->n; i++) {
        json_t *v = write_field(&t->f[i], base);
        if (v != NULL)
            json_object_set_new(o, t->f[i].json, v);
    }
    return o;
}

json_t *rec_to_json(const proto_record *r)
{
    const proto_fields *t = proto_record_fields(r->kind);
    if (t == NULL)
        return NULL;
    return write_table(t, &r->u);
}

/* ---- Command line flags ---- */

/* Appends the comma-separated items of `value` to the list `name` of obj. */
static int append_items(json_t *obj, const char *name, const char *value, const char *path,
                        rec_err *e)
{
    json_t *a = json_object_get(obj, name);
    if (a == NULL || !json_is_array(a)) {
        a = json_array();
        if (a == NULL || json_object_set_new(obj, name, a) < 0)
            return err_set(e, RN_ENOMEM, path, 0, NULL);
    }
    const char *p = value;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
        if (len > 0 && json_array_append_new(a, json_stringn(p, len)) < 0)
            return err_set(e, RN_ENOMEM, path, 0, NULL);
        if (comma == NULL)
            return 0;
        p = comma + 1;
    }
}

int rec_json_set(json_t *obj, proto_kind kind, const char *name, const char *value, rec_err *e)
{
    const proto_fields *t = proto_record_fields(kind);
    char key[REC_FIELD_BYTES], path[REC_FIELD_BYTES];
    json_t *v = NULL;
    memset(e, 0, sizeof(*e));
    if (t == NULL)
        return err_set(e, RN_EKIND, NULL, 0, NULL);
    snprintf(key, sizeof(key), "%s", name);
    for (char *p = key; *p != '\0'; p++) {
        if (*p == '-')
            *p = '_';
    }
    const fdesc *f = field_find(t, key);
    snprintf(path, sizeof(path), "%s.%.48s", proto_kind_name(kind), key);
    if (f == NULL)
        return err_set(e, RN_EUNKNOWNFIELD, path, 0, "see `recnetctl <kind> publish --help`");
    switch (f->json_form) {
    case PROTO_JSON_UINT: {
        char *end;
        unsigned long long x;
        if (value[0] < '0' || value[0] > '9')
            return err_set(e, RN_ETYPE, path, 0, "expected a whole number");
        x = strtoull(value, &end, 10);
        if (*end != '\0' || x > UINT32_MAX)
            return err_set(e, RN_ETYPE, path, 0, "expected a whole number");
        v = json_integer((json_int_t)x);
        break;
    }
    case PROTO_JSON_SEQ: {
        char *end;
        unsigned long long x;
        if (value[0] < '0' || value[0] > '9')
            return err_set(e, RN_ESEQ, path, 0, "expected a whole number");
        x = strtoull(value, &end, 10);
        if (*end != '\0' || x > RN_SEQ_MAX)
            return err_set(e, RN_ESEQ, path, 0, "expected a whole number below 2^53");
        v = json_integer((json_int_t)x);
        break;
    }
    case PROTO_JSON_BOOL:
        if (strcmp(value, "true") == 0)
            v = json_true();
        else if (strcmp(value, "false") == 0)
            v = json_false();
        else
            return err_set(e, RN_ETYPE, path, 0, "expected true or false");
        break;
    case PROTO_JSON_STRS:
    case PROTO_JSON_COUNTRIES:
        return append_items(obj, key, value, path, e);
    case PROTO_JSON_TITLE: {
        const char *eq = strchr(value, '=');
        if (eq == NULL || eq == value)
            return err_set(e, RN_ETYPE, path, 0, "expected lang=text, like en=Digital skills");
        char lang[16];
        snprintf(lang, sizeof(lang), "%.*s", (int)(eq - value), value);
        json_t *o = json_object_get(obj, key);
        if (o == NULL || !json_is_object(o)) {
            o = json_object();
            if (o == NULL || json_object_set_new(obj, key, o) < 0)
                return err_set(e, RN_ENOMEM, path, 0, NULL);
        }
        if (json_object_set_new(o, lang, json_string(eq + 1)) < 0)
            return err_set(e, RN_ETYPE, path, 0, "text is not valid UTF-8");
        return 0;
    }
    case PROTO_JSON_OBJS:
    case PROTO_JSON_OBJ: {
        json_error_t je;
        json_t *x = json_loads(value, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
        if (x == NULL ||
            (!json_is_object(x) && !(f->json_form == PROTO_JSON_OBJS && json_is_array(x)))) {
            json_decref(x);
            return err_set(e, RN_ETYPE, path, 0,
                           f->json_form == PROTO_JSON_OBJ
                               ? "expected a JSON object"
                               : "expected a JSON object or a list of objects");
        }
        if (f->json_form == PROTO_JSON_OBJS && json_is_object(x)) {
            json_t *a = json_object_get(obj, key);
            if (a == NULL || !json_is_array(a)) {
                a = json_array();
                if (a == NULL || json_object_set_new(obj, key, a) < 0) {
                    json_decref(x);
                    return err_set(e, RN_ENOMEM, path, 0, NULL);
                }
            }
            if (json_array_append_new(a, x) < 0)
                return err_set(e, RN_ENOMEM, path, 0, NULL);
            return 0;
        }
        v = x;
        break;
    }
    default:
        /* Strings, times, ECTS and names: as typed; rec_from_json parses them. */
        v = json_string(value);
        if (v == NULL)
            return err_set(e, RN_ETYPE, path, 0, "not valid UTF-8");
        break;
    }
    if (v == NULL || json_object_set_new(obj, key, v) < 0)
        return err_set(e, RN_ENOMEM, path, 0, NULL);
    return 0;
}

/* ---- Entries ---- */

json_t *rec_entry_to_json(const uint8_t *bytes, size_t len, rec_err *e)
{
    proto_entry en;
    proto_record *r;
    rn_diag d;
    char key[PROTO_KEY_TEXT_LEN + 1], hex[2 * PROTO_ID_BYTES + 1];
    uint8_t id[PROTO_ID_BYTES];
    memset(&d, 0, sizeof(d));
    memset(e, 0, sizeof(*e));
    int rc = proto_entry_decode(&en, bytes, len, &d);
    if (rc < 0) {
        err_set(e, rc, d.code == rc ? d.field : "entry", d.code == rc ? d.index : 0, NULL);
        return NULL;
    }
    r = malloc(sizeof(*r));
    if (r == NULL) {
        err_set(e, RN_ENOMEM, NULL, 0, NULL);
        return NULL;
    }
    rc = proto_record_decode(r, en.kind, en.body, en.body_len, &d);
    if (rc < 0) {
        err_set(e, rc, d.code == rc ? d.field : NULL, d.code == rc ? d.index : 0, NULL);
        free(r);
        return NULL;
    }
    json_t *o = json_object();
    json_t *rec = rec_to_json(r);
    free(r);
    if (o == NULL || rec == NULL) {
        json_decref(o);
        json_decref(rec);
        err_set(e, RN_ENOMEM, NULL, 0, NULL);
        return NULL;
    }
    proto_key_text_format(en.author, key);
    json_object_set_new(o, "author", json_string(key));
    json_object_set_new(o, "seq", json_integer((json_int_t)en.seq));
    proto_entry_id(bytes, len, id);
    rec_hex(id, PROTO_ID_BYTES, hex);
    json_object_set_new(o, "id", json_string(hex));
    if (en.prev != NULL) {
        rec_hex(en.prev, PROTO_ID_BYTES, hex);
        json_object_set_new(o, "prev", json_string(hex));
    } else {
        json_object_set_new(o, "prev", json_null());
    }
    json_object_set_new(o, "timestamp", time_json(en.timestamp_ms));
    json_object_set_new(o, "kind", json_string(proto_kind_name((int)en.kind)));
    json_object_set_new(o, "record", rec);
    return o;
}
