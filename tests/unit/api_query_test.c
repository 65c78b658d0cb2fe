/*
 * api_query_test.c: the HTTP gateway's decoders (api/query.h) and its route table
 * (api/route.h): query strings at and past their bounds, bad names, escapes and duplicates;
 * the parameters of each method built from a query, checked by the control API's own request
 * decoder; every conversion error naming its field; and every route naming a public method that
 * does not write.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/query.h"
#include "api/recjson.h"
#include "api/route.h"
#include "proto/ctl.h"
#include "proto/limits.h"

static const struct {
    const char *in;
    int code;
    const char *field; /* NULL: none */
    uint32_t n;        /* parameters when accepted */
} parse_cases[] = {
    { "", 0, NULL, 0 },
    { "a=1", 0, NULL, 1 },
    { "a=1&b=2&", 0, NULL, 2 },
    { "&&a=1&&", 0, NULL, 1 },
    { "a", 0, NULL, 1 },
    { "a=", 0, NULL, 1 },
    { "a=%41%42+c", 0, NULL, 1 },
    { "a=1&a=2", RN_EDUPLICATE, "a", 0 },
    { "A=1", RN_EINVAL, "A", 0 },
    { "=1", RN_EINVAL, "", 0 },
    { "a-b=1", RN_EINVAL, "a-b", 0 },
    { "abcdefghijabcdefghijabcdefghijabc=1", RN_EINVAL, "abcdefghijabcdefghijabcdefghijab", 0 },
    { "abcdefghijabcdefghijabcdefghijab=1", 0, NULL, 1 },
    { "a=%4", RN_EINVAL, "a", 0 },
    { "a=%", RN_EINVAL, "a", 0 },
    { "a=%zz", RN_EINVAL, "a", 0 },
    { "a=%00", RN_EINVAL, "a", 0 },
    { "a=x%2", RN_EINVAL, "a", 0 },
    { "a1=1&a2=2&a3=3&a4=4&a5=5&a6=6&a7=7&a8=8&a9=9&b1=1&b2=2&b3=3&b4=4&b5=5&b6=6&b7=7", 0, NULL,
      16 },
    { "a1=1&a2=2&a3=3&a4=4&a5=5&a6=6&a7=7&a8=8&a9=9&b1=1&b2=2&b3=3&b4=4&b5=5&b6=6&b7=7&b8=8",
      RN_ETOOBIG, "b8", 0 },
};

static void test_query_parse(void **state)
{
    (void)state;
    api_query q;
    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        ctl_error e;
        memset(&e, 0, sizeof(e));
        int rc = api_query_parse(&q, parse_cases[i].in, strlen(parse_cases[i].in), &e);
        if (rc != parse_cases[i].code)
            fail_msg("case %zu (%s): %d, expected %d", i, parse_cases[i].in, rc,
                     parse_cases[i].code);
        if (rc == 0) {
            assert_int_equal(q.n, parse_cases[i].n);
        } else if (parse_cases[i].field != NULL) {
            assert_string_equal(e.field, parse_cases[i].field);
            assert_int_equal(e.code, rc);
        }
    }
    ctl_error e;
    assert_int_equal(api_query_parse(&q, "a=%41%42+c&b", 12, &e), 0);
    assert_string_equal(api_query_get(&q, "a")->value, "AB c");
    assert_int_equal(api_query_get(&q, "a")->value_len, 4);
    assert_string_equal(api_query_get(&q, "b")->value, "");
    assert_null(api_query_get(&q, "c"));
}

static void test_query_bounds(void **state)
{
    (void)state;
    static char s[RN_HTTP_QUERY_BYTES_MAX + 2];
    api_query q;
    ctl_error e;
    memset(s, 'x', sizeof(s));
    s[0] = 'a';
    s[1] = '=';
    assert_int_equal(api_query_parse(&q, s, RN_HTTP_QUERY_BYTES_MAX, &e), 0);
    assert_int_equal(q.p[0].value_len, RN_HTTP_QUERY_BYTES_MAX - 2);
    assert_int_equal(api_query_parse(&q, s, RN_HTTP_QUERY_BYTES_MAX + 1, &e), RN_ETOOBIG);
    /* Many short parameters fill the buffer the most: names and values with their NULs. */
    char many[RN_HTTP_QUERY_BYTES_MAX];
    size_t o = 0;
    for (unsigned i = 0; i < RN_HTTP_QUERY_PARAMS_MAX; i++)
        o += (size_t)snprintf(many + o, sizeof(many) - o, "%s%c=%0240u", i ? "&" : "", 'a' + (int)i,
                              i);
    assert_true(o <= RN_HTTP_QUERY_BYTES_MAX);
    assert_int_equal(api_query_parse(&q, many, o, &e), 0);
    assert_int_equal(q.n, RN_HTTP_QUERY_PARAMS_MAX);
}

/* Builds method `m`'s params from `qs` and checks them with the control API's decoder. */
static int build(ctl_method_id id, const char *qs, ctl_error *e, mp_buf *req)
{
    api_query q;
    mp_buf params;
    const ctl_method *m = ctl_method_get(id);
    RN_TRY(api_query_parse(&q, qs, strlen(qs), e));
    mp_buf_init(&params, 1u << 16);
    int rc = api_params_build(&params, m, &q, NULL, 0, "proof", e);
    if (rc == 0) {
        mp_buf_reset(req);
        ctl_request_wrap(req, 7, m, params.data, params.len);
        ctl_request r;
        ctl_error de;
        assert_int_equal(ctl_request_decode(&r, req->data, req->len, &de), 0);
        assert_ptr_equal(r.m, m);
    }
    mp_buf_free(&params);
    return rc;
}

static const struct {
    ctl_method_id id;
    const char *qs;
    int code;
    const char *field;
} build_cases[] = {
    { CTL_M_RECOGNISE, "spec=IE:x&country=FR&purpose=both", 0, NULL },
    { CTL_M_RECOGNISE, "spec=IE:x&country=FR&purpose=both&at=2025-01-01", 0, NULL },
    { CTL_M_RECOGNISE, "spec=IE:x&country=FR&purpose=both&at=1735689600000", 0, NULL },
    { CTL_M_RECOGNISE, "spec=IE:x&country=FR&purpose=both&proof=1", 0, NULL },
    { CTL_M_RECOGNISE, "spec=IE:x&country=FR&purpose=both&at=soon", RN_ETIME, "at" },
    { CTL_M_RECOGNISE, "spec=IE:x&country=FR&purpose=both&valid_at=2024-08-30", 0, NULL },
    { CTL_M_RECOGNISE, "spec=IE:x&country=FR&purpose=both&valid_at=later", RN_ETIME, "valid_at" },
    { CTL_M_SEARCH, "valid_at=2024-08-30T10:00:00Z", 0, NULL },
    { CTL_M_STACK, "country=FR&pathway=NL:p&specs=IE:a&valid_at=1", 0, NULL },
    { CTL_M_MATRIX, "spec=IE:x&valid_at=2024-01-01", 0, NULL },
    { CTL_M_REPORT, "valid_at=2024-01-01", 0, NULL },
    { CTL_M_REPORT, "at=2026-01-01&valid_at=later", RN_ETIME, "valid_at" },
    { CTL_M_RECOGNISE, "spec=IE:x&country=FR", RN_EMISSING, "purpose" },
    { CTL_M_RECOGNISE, "country=FR&purpose=both", RN_EMISSING, "spec" },
    { CTL_M_RECOGNISE, "spec=IE:x&country=FR&purpose=both&colour=1", RN_EUNKNOWNFIELD, "colour" },
    { CTL_M_SEARCH, "", 0, NULL },
    { CTL_M_SEARCH, "text=a+b&country=IE&eqf_min=1&eqf_max=8&ects_min=2.5&isced=0613", 0, NULL },
    { CTL_M_SEARCH, "limit=10&after=IE:x&provider=IE:p", 0, NULL },
    { CTL_M_SEARCH, "eqf_min=0", RN_EEQF, "eqf_min" },
    { CTL_M_SEARCH, "eqf_max=9", RN_EEQF, "eqf_max" },
    { CTL_M_SEARCH, "eqf_max=", RN_EEQF, "eqf_max" },
    { CTL_M_SEARCH, "ects_min=2.555", RN_EECTS, "ects_min" },
    { CTL_M_SEARCH, "limit=-1", RN_EINVAL, "limit" },
    { CTL_M_SEARCH, "limit=99999999999999999999999", RN_EINVAL, "limit" },
    { CTL_M_SEARCH, "limit=4294967296", RN_EINVAL, "limit" },
    { CTL_M_SEARCH, "filter=x", RN_EUNKNOWNFIELD, "filter" },
    { CTL_M_STACK, "country=FR&pathway=NL:p&specs=IE:a,IE:b", 0, NULL },
    { CTL_M_STACK, "country=FR&pathway=NL:p&specs=", 0, NULL },
    { CTL_M_STACK, "country=FR&pathway=NL:p", RN_EMISSING, "specs" },
    { CTL_M_ENTRY, "id=00ff", 0, NULL },
    { CTL_M_ENTRY, "id=0f0", RN_EINVAL, "id" },
    { CTL_M_ENTRY, "id=zz", RN_EINVAL, "id" },
    { CTL_M_HEADS, "", 0, NULL },
    { CTL_M_HEADS, "at=1", RN_EUNKNOWNFIELD, "at" },
    { CTL_M_RECORD, "kind=spec&id=IE:x&at=2025-01-01T10:00:00Z", 0, NULL },
    { CTL_M_FORK, "author=rn1:abc", 0, NULL },
    /* An array of other than strings has no query-string form: refused, never built. */
    { CTL_M_ROSTER_PROPOSE, "ops=a", RN_EINVAL, "ops" },
    { CTL_M_PUBLISH_BATCH, "kinds=a&bodies=00", RN_EINVAL, "bodies" },
};

static void test_params_build(void **state)
{
    (void)state;
    mp_buf req;
    mp_buf_init(&req, RN_CONTROL_REQUEST_BYTES_MAX);
    for (size_t i = 0; i < sizeof(build_cases) / sizeof(build_cases[0]); i++) {
        ctl_error e;
        memset(&e, 0, sizeof(e));
        int rc = build(build_cases[i].id, build_cases[i].qs, &e, &req);
        if (rc != build_cases[i].code)
            fail_msg("case %zu (%s): %d, expected %d", i, build_cases[i].qs, rc,
                     build_cases[i].code);
        if (rc != 0)
            assert_string_equal(e.field, build_cases[i].field);
    }
    mp_buf_free(&req);
}

/* The stack's specs split at commas; at= a time of the CLI's forms. */
static void test_params_values(void **state)
{
    (void)state;
    mp_buf req;
    ctl_error e;
    ctl_request r;
    const uint8_t *s;
    uint32_t n;
    uint64_t at;
    mp_buf_init(&req, RN_CONTROL_REQUEST_BYTES_MAX);
    assert_int_equal(
        build(CTL_M_STACK, "country=FR&pathway=NL:p&specs=IE:a,,IE:c&at=2025-01-01", &e, &req), 0);
    assert_int_equal(ctl_request_decode(&r, req.data, req.len, &e), 0);
    assert_int_equal(mp_read_array(&r.params[2], &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(mp_read_str(&r.params[2], &s, &n), 0);
    assert_memory_equal(s, "IE:a", 4);
    assert_int_equal(mp_read_str(&r.params[2], &s, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(mp_read_uint(&r.params[3], &at), 0);
    assert_int_equal(at, 1735689600000ull);
    /* valid_at= goes to the last parameter, in the forms of at=; absent, nil. */
    assert_true(ctl_param_nil(&r, 4));
    assert_int_equal(
        build(CTL_M_STACK, "country=FR&pathway=NL:p&specs=IE:a&valid_at=2024-08-30", &e, &req), 0);
    assert_int_equal(ctl_request_decode(&r, req.data, req.len, &e), 0);
    assert_int_equal(mp_read_uint(&r.params[4], &at), 0);
    assert_int_equal(at, 1724976000000ull);
    mp_buf_free(&req);
}

/* A bin parameter (the entry method's id) is hex in a query string, either case; a digit that is
 * not hex and an odd count are refused naming the parameter. rec_unhex, its reader, round-trips
 * rec_hex and stops at the first bad digit. */
static void test_params_hex(void **state)
{
    (void)state;
    mp_buf req;
    ctl_error e;
    ctl_request r;
    const uint8_t *b;
    uint32_t n;
    mp_buf_init(&req, RN_CONTROL_REQUEST_BYTES_MAX);
    assert_int_equal(build(CTL_M_ENTRY, "id=00fFa5", &e, &req), 0);
    assert_int_equal(ctl_request_decode(&r, req.data, req.len, &e), 0);
    assert_int_equal(mp_read_bin(&r.params[0], &b, &n), 0);
    assert_int_equal(n, 3);
    assert_memory_equal(b, "\x00\xff\xa5", 3);
    static const char *bad[] = { "id=0g", "id=abc", "id=%2000", "id=0%00" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(build(CTL_M_ENTRY, bad[i], &e, &req), RN_EINVAL);
        assert_string_equal(e.field, "id");
    }
    mp_buf_free(&req);

    uint8_t all[256], back[256];
    char hex[513];
    for (unsigned i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    rec_hex(all, sizeof(all), hex);
    assert_true(rec_unhex(hex, sizeof(all), back));
    assert_memory_equal(back, all, sizeof(all));
    for (unsigned c = 0; c < 256; c++) {
        char pair[2] = { '0', (char)c };
        bool hexdigit = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        assert_int_equal(rec_unhex(pair, 1, back), hexdigit);
        pair[0] = (char)c;
        pair[1] = '0';
        assert_int_equal(rec_unhex(pair, 1, back), hexdigit);
    }
}

/* No write method, nor one about the node's own state, is ever routed. */
static void test_routes_safe(void **state)
{
    (void)state;
    assert_true(api_routes_safe());
    size_t i = 0;
    for (const api_route *r; (r = api_route_at(i)) != NULL; i++) {
        const ctl_method *m = ctl_method_get(r->id);
        assert_true((m->flags & CTL_PUBLIC) != 0);
        assert_true((m->flags & CTL_WRITES) == 0);
        assert_true(strncmp(r->path, "/v1/", 4) == 0);
    }
    assert_true(i > 0);
    bool wrong;
    const char *seg[2];
    size_t seg_len[2];
    const api_route *r = api_route_find("/v1/record/spec/IE:x", 20, "GET", &wrong, seg, seg_len);
    assert_non_null(r);
    assert_int_equal(seg_len[0], 4);
    assert_int_equal(seg_len[1], 4);
    assert_null(api_route_find("/v1/record/spec/", 16, "GET", &wrong, seg, seg_len));
    assert_null(api_route_find("/v1/record/spec", 15, "GET", &wrong, seg, seg_len));
    assert_null(api_route_find("/v1/record/spec/a/b", 19, "GET", &wrong, seg, seg_len));
    assert_null(api_route_find("/v1/record//a", 13, "GET", &wrong, seg, seg_len));
    assert_null(api_route_find("/v1/heads", 9, "POST", &wrong, NULL, NULL));
    assert_true(wrong);
    assert_null(api_route_find("/v1/publish", 11, "POST", &wrong, NULL, NULL));
    assert_false(wrong);
    for (size_t m = 0; m < CTL_M_COUNT; m++) {
        const ctl_method *row = ctl_method_get((ctl_method_id)m);
        char path[64];
        int n = snprintf(path, sizeof(path), "/v1/%s", row->name);
        for (int k = 0; k < 3; k++) {
            const char *verbs[] = { "GET", "POST", "PUT" };
            const api_route *hit = api_route_find(path, (size_t)n, verbs[k], &wrong, NULL, NULL);
            if (hit != NULL)
                assert_true((row->flags & CTL_PUBLIC) && !(row->flags & CTL_WRITES));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_parse),  cmocka_unit_test(test_query_bounds),
        cmocka_unit_test(test_params_build), cmocka_unit_test(test_params_values),
        cmocka_unit_test(test_params_hex),   cmocka_unit_test(test_routes_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
