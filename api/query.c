/*
 * query.c: query strings and the parameters of a route (query.h).
 *
 * Everything here reads input from anyone on the network, so it is written as the other
 * decoders are: every length is checked against its bound before it is copied, the output of
 * the percent-decoding is never longer than its input, and every failure names its field.
 */
#include "api/query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/recjson.h"

/* Percent-decodes s[0..len) into out (at least len + 1 bytes). Returns the length, or -1 for a
 * bad escape or a NUL. */
static long decode(const char *s, size_t len, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= len)
                return -1;
            uint8_t byte;
            if (!rec_unhex(s + i + 1, 1, &byte))
                return -1;
            c = (char)byte;
            i += 2;
        }
        if (c == '\0')
            return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    return (long)o;
}

static bool name_ok(const char *s, size_t n)
{
    if (n == 0 || n > API_QUERY_NAME_BYTES_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

int api_query_parse(api_query *q, const char *s, size_t len, ctl_error *e)
{
    size_t used = 0;
    q->n = 0;
    if (len > RN_HTTP_QUERY_BYTES_MAX)
        return ctl_error_msg(e, RN_ETOOBIG, NULL, "query string longer than 4096 bytes");
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && s[end] != '&')
            end++;
        if (end == i) { /* "a=1&&b=2", a trailing '&': nothing between */
            i++;
            continue;
        }
        size_t eq = i;
        while (eq < end && s[eq] != '=')
            eq++;
        char name[API_QUERY_NAME_BYTES_MAX + 1];
        size_t nlen = eq - i;
        if (!name_ok(s + i, nlen)) {
            char shown[API_QUERY_NAME_BYTES_MAX + 1];
            size_t sl = nlen < API_QUERY_NAME_BYTES_MAX ? nlen : API_QUERY_NAME_BYTES_MAX;
            memcpy(shown, s + i, sl);
            shown[sl] = '\0';
            for (size_t k = 0; k < sl; k++)
                if ((unsigned char)shown[k] < 0x20 || (unsigned char)shown[k] > 0x7e)
                    shown[k] = '?';
            return ctl_error_msg(e, RN_EINVAL, shown,
                                 "a parameter name is 1 to 32 of a-z, 0-9 and _");
        }
        memcpy(name, s + i, nlen);
        name[nlen] = '\0';
        if (q->n == RN_HTTP_QUERY_PARAMS_MAX)
            return ctl_error_msg(e, RN_ETOOBIG, name, "more than 16 query parameters");
        for (uint32_t k = 0; k < q->n; k++)
            if (strcmp(q->p[k].name, name) == 0)
                return ctl_error_msg(e, RN_EDUPLICATE, name, "query parameter given twice");
        size_t vlen = eq < end ? end - eq - 1 : 0;
        /* name, NUL, value (never longer decoded), NUL: within the buffer by its size. */
        RN_ASSERT(used + nlen + 1 + vlen + 1 <= sizeof(q->buf));
        char *nb = q->buf + used;
        memcpy(nb, name, nlen + 1);
        char *vb = nb + nlen + 1;
        long dl = decode(eq < end ? s + eq + 1 : "", vlen, vb);
        if (dl < 0)
            return ctl_error_msg(e, RN_EINVAL, name,
                                 "bad percent escape or NUL in the parameter's value");
        used += nlen + 1 + (size_t)dl + 1;
        q->p[q->n].name = nb;
        q->p[q->n].value = vb;
        q->p[q->n].value_len = (size_t)dl;
        q->p[q->n].used = false;
        q->n++;
        i = end + 1;
    }
    return 0;
}

api_param *api_query_get(api_query *q, const char *name)
{
    for (uint32_t i = 0; i < q->n; i++)
        if (strcmp(q->p[i].name, name) == 0)
            return &q->p[i];
    return NULL;
}

/* A decimal unsigned integer, digits only, at most max. */
static bool parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (len == 0 || len > 20)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10u)
            return false;
        v = v * 10u + d;
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

/* The search filter's keys and forms (PROTOCOL.md 12.2; recnetctl query search's options). */
static const struct {
    const char *key;
    char form; /* 's' string, 'e' EQF level, 'x' ECTS */
} filter_keys[] = {
    { "country", 's' }, { "provider", 's' }, { "eqf_min", 'e' }, { "eqf_max", 'e' },
    { "isced", 's' },   { "ects_min", 'x' }, { "text", 's' },
};
#define FILTER_KEYS_N (sizeof(filter_keys) / sizeof(filter_keys[0]))

static int put_filter(mp_buf *out, api_query *q, ctl_error *e)
{
    uint32_t given = 0;
    for (size_t i = 0; i < FILTER_KEYS_N; i++)
        given += api_query_get(q, filter_keys[i].key) != NULL ? 1u : 0u;
    mp_put_map(out, given);
    for (size_t i = 0; i < FILTER_KEYS_N; i++) {
        api_param *v = api_query_get(q, filter_keys[i].key);
        if (v == NULL)
            continue;
        v->used = true;
        mp_put_cstr(out, filter_keys[i].key);
        if (filter_keys[i].form == 's') {
            mp_put_str(out, v->value, v->value_len);
        } else if (filter_keys[i].form == 'e') {
            uint64_t l;
            if (!parse_uint(v->value, v->value_len, 8, &l) || l == 0)
                return ctl_error_msg(e, RN_EEQF, v->name, "an EQF level is 1 to 8");
            mp_put_uint(out, l);
        } else {
            uint32_t centi;
            if (rec_ects_parse(v->value, v->value_len, &centi) < 0)
                return ctl_error_msg(e, RN_EECTS, v->name, "expected ECTS like 2.5");
            mp_put_uint(out, centi);
        }
    }
    return 0;
}

static int put_param(mp_buf *out, const ctl_param *p, api_query *q, const uint8_t *claim,
                     size_t claim_len, ctl_error *e)
{
    if (p->type == CTL_T_MAP && strcmp(p->name, "filter") == 0)
        return put_filter(out, q, e);
    if (p->type == CTL_T_MAP && claim != NULL) {
        mp_buf_raw(out, claim, claim_len);
        return 0;
    }
    api_param *v = api_query_get(q, p->name);
    if (v == NULL) {
        if (!p->optional)
            return ctl_error_set(e, RN_EMISSING, p->name);
        mp_put_nil(out);
        return 0;
    }
    v->used = true;
    switch (p->type) {
    case CTL_T_STR:
    case CTL_T_KEY:
        mp_put_str(out, v->value, v->value_len);
        return 0;
    case CTL_T_UINT: {
        uint64_t u;
        if (strcmp(p->name, "at") == 0 || strcmp(p->name, "valid_at") == 0) {
            if (rec_time_parse(v->value, v->value_len, &u) < 0)
                return ctl_error_msg(e, RN_ETIME, p->name,
                                     "expected a date (2024-09-01), a datetime with its zone "
                                     "(2024-09-01T10:30:00Z) or ms since the epoch");
        } else if (!parse_uint(v->value, v->value_len, UINT32_MAX, &u)) {
            return ctl_error_msg(e, RN_EINVAL, p->name, "expected a decimal number");
        }
        mp_put_uint(out, u);
        return 0;
    }
    case CTL_T_BIN: {
        size_t n = v->value_len / 2;
        if (v->value_len % 2 != 0 || n > RN_HTTP_QUERY_BYTES_MAX / 2)
            return ctl_error_msg(e, RN_EINVAL, p->name, "expected hex digits");
        uint8_t bytes[RN_HTTP_QUERY_BYTES_MAX / 2];
        if (!rec_unhex(v->value, n, bytes))
            return ctl_error_msg(e, RN_EINVAL, p->name, "expected hex digits");
        mp_put_bin(out, bytes, n);
        return 0;
    }
    case CTL_T_ARRAY: {
        uint32_t items = 1;
        if (p->elem != CTL_T_STR)
            return ctl_error_msg(e, RN_EINVAL, p->name,
                                 "this parameter has no query-string form; use the control API");
        for (size_t i = 0; i < v->value_len; i++)
            items += v->value[i] == ',' ? 1u : 0u;
        mp_put_array(out, v->value_len == 0 ? 0 : items);
        for (size_t i = 0, start = 0; v->value_len > 0 && i <= v->value_len; i++) {
            if (i == v->value_len || v->value[i] == ',') {
                mp_put_str(out, v->value + start, i - start);
                start = i + 1;
            }
        }
        return 0;
    }
    case CTL_T_MAP:
        return ctl_error_set(e, RN_EMISSING, p->name);
    case CTL_T_NONE:
    default:
        RN_ASSERT(0);
        return RN_EINVAL;
    }
}

int api_params_build(mp_buf *out, const ctl_method *m, api_query *q, const uint8_t *claim,
                     size_t claim_len, const char *ignore, ctl_error *e)
{
    uint32_t n = ctl_params_max(m);
    mp_put_array(out, n);
    for (uint32_t i = 0; i < n; i++)
        RN_TRY(put_param(out, &m->params[i], q, claim, claim_len, e));
    for (uint32_t i = 0; i < q->n; i++) {
        if (q->p[i].used || (ignore != NULL && strcmp(q->p[i].name, ignore) == 0))
            continue;
        return ctl_error_msg(e, RN_EUNKNOWNFIELD, q->p[i].name,
                             "this query parameter is not one this path takes");
    }
    return 0;
}
