/*
 * ctl_test.c: the control API's method table and codec (proto/ctl.h), without a node.
 *
 * The table: every row is found by its name and its id, the CTL_ constants are the names, the
 * publish aliases carry their kinds, no public method writes, and the parameter bounds follow
 * from the optional flags. The request decoder: every row of PROTOCOL.md 12.1's error table, in
 * its order, with its field and msgid, and requests built with ctl_request_begin accepted. The
 * response decoder: responses written by ctl_response_begin and ctl_response_error read back;
 * every truncation asks for more bytes; and each malformed response (wrong shape, wrong type,
 * missing or duplicated or ill-typed error keys, a code that is not a negative int, an error with
 * a result, trailing bytes) is refused with its code, as are random bytes, without a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/ctl.h"
#include "proto/limits.h"
#include "tests/support/rng.h"

/* ---- The table ---- */

static void test_table(void **state)
{
    (void)state;
    static const char *const names[CTL_M_COUNT] = {
        CTL_STATUS,
        CTL_CHECK,
        CTL_PEERS,
        CTL_HEADS,
        CTL_LOG,
        CTL_ENTRY,
        CTL_FORK,
        CTL_RECORD,
        CTL_ROSTER,
        CTL_PUBLISH,
        CTL_PROVIDER_PUBLISH,
        CTL_SPEC_PUBLISH,
        CTL_DECISION_PUBLISH,
        CTL_POLICY_PUBLISH,
        CTL_PATHWAY_PUBLISH,
        CTL_REVOCATION_PUBLISH,
        CTL_RECOGNISE,
        CTL_SEARCH,
        CTL_VERIFY,
        CTL_STACK,
        CTL_MATRIX,
        CTL_REPORT,
        CTL_PUBLISH_BATCH,
        CTL_STATUS_LIST,
        CTL_ROSTER_SHOW,
        CTL_ROSTER_PROPOSE,
        CTL_ROSTER_APPROVE,
        CTL_CHECKPOINT_GET,
    };
    for (int i = 0; i < CTL_M_COUNT; i++) {
        const ctl_method *m = ctl_method_get((ctl_method_id)i);
        assert_int_equal(m->id, i);
        assert_string_equal(m->name, names[i]);
        assert_ptr_equal(ctl_method_find((const uint8_t *)m->name, strlen(m->name)), m);
        /* A public method is read-only: the verifiers' gateway never writes. */
        if ((m->flags & CTL_PUBLIC) != 0)
            assert_int_equal(m->flags & CTL_WRITES, 0);
        /* A write never runs inside the request's read transaction. */
        if ((m->flags & CTL_WRITES) != 0)
            assert_int_equal(m->flags & CTL_READS, 0);
        uint32_t hi = ctl_params_max(m), lo = ctl_params_min(m);
        assert_true(lo <= hi && hi <= CTL_PARAMS_MAX);
        for (uint32_t k = 0; k < hi; k++) {
            assert_non_null(m->params[k].name);
            assert_true(m->params[k].type != CTL_T_NONE);
            assert_true((m->params[k].type == CTL_T_ARRAY) == (m->params[k].elem != CTL_T_NONE));
            /* Optional parameters are the trailing ones only. */
            assert_true(k < lo ? !m->params[k].optional : m->params[k].optional);
        }
        if (m->kind != 0) {
            char alias[32];
            snprintf(alias, sizeof(alias), "%s.publish", proto_kind_name((int)m->kind));
            assert_string_equal(m->name, alias);
            assert_ptr_equal(ctl_method_publish(m->kind), m);
            assert_true((m->flags & CTL_WRITES) != 0);
        }
    }
    for (int k = PROTO_KIND_PROVIDER; k <= PROTO_KIND_REVOCATION; k++)
        assert_non_null(ctl_method_publish((proto_kind)k));
    assert_null(ctl_method_publish((proto_kind)0));
    assert_null(ctl_method_find((const uint8_t *)"recognis", 8));
    assert_null(ctl_method_find((const uint8_t *)"recognisee", 10));
    assert_null(ctl_method_find((const uint8_t *)"", 0));
    const ctl_method *rec = ctl_method_get(CTL_M_RECOGNISE);
    assert_int_equal(ctl_params_min(rec), 3);
    assert_int_equal(ctl_params_max(rec), 6);
    assert_string_equal(rec->params[4].name, "valid_at");
    assert_true(rec->params[4].optional);
    assert_string_equal(rec->params[5].name, CTL_OPTIONS_PARAM);
    assert_true(rec->params[5].optional && rec->params[5].type == CTL_T_MAP);
    assert_int_equal(ctl_params_min(ctl_method_get(CTL_M_SEARCH)), 0);
    assert_string_equal(ctl_param_type_text(&rec->params[3]), "an unsigned integer or nil");
    assert_true((rec->flags & (CTL_READS | CTL_PUBLIC)) == (CTL_READS | CTL_PUBLIC));
    assert_int_equal(ctl_method_get(CTL_M_STATUS)->flags & CTL_PUBLIC, 0);
    assert_int_equal(ctl_method_get(CTL_M_PEERS)->flags & CTL_PUBLIC, 0);
}

/* ---- Requests ---- */

static int decode(const uint8_t *b, size_t n, ctl_request *r, ctl_error *e)
{
    memset(e, 0, sizeof(*e));
    return ctl_request_decode(r, b, n, e);
}

/* A recognise request [0, 7, "recognise", [spec, country, purpose(, at)]]. */
static void put_recognise(mp_buf *b, bool with_at)
{
    ctl_request_begin(b, 7, ctl_method_get(CTL_M_RECOGNISE), with_at ? 4 : 3);
    mp_put_cstr(b, "IE:uniz/mc-c012");
    mp_put_cstr(b, "FR");
    mp_put_cstr(b, "further_study");
    if (with_at)
        mp_put_nil(b);
}

static void test_request_ok(void **state)
{
    (void)state;
    mp_buf b;
    ctl_request r;
    ctl_error e;
    mp_buf_init(&b, 4096);
    for (int with_at = 0; with_at < 2; with_at++) {
        mp_buf_reset(&b);
        put_recognise(&b, with_at != 0);
        assert_int_equal(decode(b.data, b.len, &r, &e), 0);
        assert_int_equal(r.msgid, 7);
        assert_ptr_equal(r.m, ctl_method_get(CTL_M_RECOGNISE));
        assert_int_equal(r.params_n, with_at ? 4 : 3);
        assert_false(ctl_param_nil(&r, 0));
        assert_true(ctl_param_nil(&r, 3));
        const uint8_t *s;
        uint32_t n;
        mp_cur c = r.params[1];
        assert_int_equal(mp_read_str(&c, &s, &n), 0);
        assert_int_equal(n, 2);
        assert_memory_equal(s, "FR", 2);
    }
    /* Every method with its required parameters of their types. */
    for (int i = 0; i < CTL_M_COUNT; i++) {
        const ctl_method *m = ctl_method_get((ctl_method_id)i);
        uint32_t lo = ctl_params_min(m);
        mp_buf_reset(&b);
        ctl_request_begin(&b, UINT32_MAX, m, lo);
        for (uint32_t k = 0; k < lo; k++) {
            switch (m->params[k].type) {
            case CTL_T_STR:
            case CTL_T_KEY:
                mp_put_cstr(&b, "x");
                break;
            case CTL_T_BIN:
                mp_put_bin(&b, "x", 1);
                break;
            case CTL_T_UINT:
                mp_put_uint(&b, 1);
                break;
            case CTL_T_MAP:
                mp_put_map(&b, 0);
                break;
            default:
                mp_put_array(&b, 0);
                break;
            }
        }
        assert_int_equal(decode(b.data, b.len, &r, &e), 0);
        assert_ptr_equal(r.m, m);
        assert_int_equal(r.msgid, UINT32_MAX);
    }
    mp_buf_free(&b);
}

/* The rows of PROTOCOL.md 12.1's error table, in order. */
static void test_request_errors(void **state)
{
    (void)state;
    static const struct {
        const char *what;
        uint8_t b[40];
        size_t n;
        int code;
        const char *field;
        uint64_t msgid;
    } cases[] = {
        { "empty", { 0 }, 0, RN_ETRUNCATED, "request", 0 },
        { "not an array", { 0xa1, 'x' }, 2, RN_ETYPE, "request", 0 },
        { "a float", { 0xca, 0, 0, 0, 0 }, 5, RN_EMALFORMED, "request", 0 },
        { "notification", { 0x93, 0x02, 0xa1, 'x', 0x90 }, 5, RN_ECOUNT, "request", 0 },
        { "type a str",
          { 0x94, 0xa1, 'x', 0x01, 0xa1, 'x', 0x90 },
          7,
          RN_ETYPE,
          "request.type",
          0 },
        { "type negative",
          { 0x94, 0xff, 0x01, 0xa1, 'x', 0x90 },
          6,
          RN_EMALFORMED,
          "request.type",
          0 },
        { "a response", { 0x94, 0x01, 0x01, 0xc0, 0xc0 }, 5, RN_EINVAL, "request.type", 0 },
        { "msgid a str",
          { 0x94, 0x00, 0xa1, 'x', 0xa1, 'x', 0x90 },
          7,
          RN_ETYPE,
          "request.msgid",
          0 },
        { "msgid over 32 bits",
          { 0x94, 0x00, 0xcf, 0, 0, 0, 1, 0, 0, 0, 0, 0xa1, 'x', 0x90 },
          14,
          RN_EINVAL,
          "request.msgid",
          0 },
        { "msgid non-canonical",
          { 0x94, 0x00, 0xcc, 0x05, 0xa1, 'x', 0x90 },
          7,
          RN_ENONCANON,
          "request.msgid",
          0 },
        { "method a bin",
          { 0x94, 0x00, 0x05, 0xc4, 0x01, 'x', 0x90 },
          7,
          RN_ETYPE,
          "request.method",
          5 },
        { "method unknown",
          { 0x94, 0x00, 0x05, 0xa3, 'f', 'o', 'o', 0x90 },
          8,
          RN_EINVAL,
          "request.method",
          5 },
        { "params a map",
          { 0x94, 0x00, 0x05, 0xa6, 's', 't', 'a', 't', 'u', 's', 0x80 },
          11,
          RN_ETYPE,
          "request.params",
          5 },
        { "params too many",
          { 0x94, 0x00, 0x05, 0xa6, 's', 't', 'a', 't', 'u', 's', 0x91, 0xc0 },
          12,
          RN_ECOUNT,
          "request.params",
          5 },
        { "params too few",
          { 0x94, 0x00, 0x05, 0xa5, 'e', 'n', 't', 'r', 'y', 0x90 },
          10,
          RN_ECOUNT,
          "request.params",
          5 },
        { "parameter missing",
          { 0x94, 0x00, 0x05, 0xa5, 'e', 'n', 't', 'r', 'y', 0x91 },
          10,
          RN_ETRUNCATED,
          "id",
          5 },
        { "parameter of the wrong type",
          { 0x94, 0x00, 0x05, 0xa5, 'e', 'n', 't', 'r', 'y', 0x91, 0xa1, 'x' },
          12,
          RN_ETYPE,
          "id",
          5 },
        { "parameter nil, not optional",
          { 0x94, 0x00, 0x05, 0xa5, 'e', 'n', 't', 'r', 'y', 0x91, 0xc0 },
          11,
          RN_ETYPE,
          "id",
          5 },
        { "parameter a float",
          { 0x94, 0x00, 0x05, 0xa5, 'e', 'n', 't', 'r', 'y', 0x91, 0xcb, 0, 0, 0, 0, 0, 0, 0, 0 },
          19,
          RN_EMALFORMED,
          "id",
          5 },
        { "parameter truncated",
          { 0x94, 0x00, 0x05, 0xa5, 'e', 'n', 't', 'r', 'y', 0x91, 0xc4, 0x05, 'x' },
          13,
          RN_ETRUNCATED,
          "id",
          5 },
        { "negative inside a parameter",
          { 0x94, 0x00, 0x05, 0xa6, 's', 'e', 'a', 'r', 'c', 'h', 0x91, 0x81, 0xa1, 'x', 0xff },
          15,
          RN_EMALFORMED,
          "filter",
          5 },
        { "too deep",
          { 0x94, 0x00, 0x05, 0xa6, 's',  'e',  'a',  'r',  'c',  'h', 0x91,
            0x81, 0xa1, 'x',  0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x90 },
          21,
          RN_ETOOBIG,
          "filter",
          5 },
        { "trailing",
          { 0x94, 0x00, 0x05, 0xa6, 's', 't', 'a', 't', 'u', 's', 0x90, 0xc0 },
          12,
          RN_ETRAILING,
          "request",
          5 },
    };
    ctl_request r;
    ctl_error e;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = decode(cases[i].b, cases[i].n, &r, &e);
        if (rc != cases[i].code || strcmp(e.field, cases[i].field) != 0 ||
            r.msgid != cases[i].msgid)
            fail_msg("%s: got %s field %s msgid %llu", cases[i].what, rn_err_name(rc), e.field,
                     (unsigned long long)r.msgid);
        assert_int_equal(e.code, rc);
    }
    /* Messages of the rows that carry one. */
    assert_int_equal(decode(cases[11].b, cases[11].n, &r, &e), RN_EINVAL);
    assert_string_equal(e.message, "unknown method \"foo\"");
    assert_int_equal(decode(cases[14].b, cases[14].n, &r, &e), RN_ECOUNT);
    assert_string_equal(e.message, "entry takes 1 to 2 parameters, not 0");
    assert_int_equal(decode(cases[16].b, cases[16].n, &r, &e), RN_ETYPE);
    assert_string_equal(e.message, "id must be a byte string (bin)");

    /* One byte past the size bound. */
    uint8_t *big = calloc(1, RN_CONTROL_REQUEST_BYTES_MAX + 1u);
    assert_non_null(big);
    assert_int_equal(decode(big, RN_CONTROL_REQUEST_BYTES_MAX + 1u, &r, &e), RN_ETOOBIG);
    assert_string_equal(e.field, "request");
    free(big);
}

/* ---- Responses ---- */

static int rdecode(const uint8_t *b, size_t n, ctl_response *r)
{
    /* An exact copy, so that the sanitizers see any read past the end; what *r borrows is gone
     * on return, so only the return code and the numbers are of use. */
    uint8_t *copy = malloc(n > 0 ? n : 1);
    assert_non_null(copy);
    memcpy(copy, b, n);
    int rc = ctl_response_decode(r, copy, n);
    free(copy);
    return rc;
}

static void test_response_roundtrip(void **state)
{
    (void)state;
    mp_buf b;
    ctl_response r;
    mp_buf_init(&b, 4096);

    /* A result. */
    ctl_response_begin(&b, 9);
    mp_put_map(&b, 1);
    mp_put_cstr(&b, "seq");
    mp_put_uint(&b, 3);
    assert_int_equal(ctl_response_decode(&r, b.data, b.len), 0);
    assert_false(r.is_error);
    assert_int_equal(r.msgid, 9);
    assert_int_equal(mp_peek(&r.result), MP_MAP);
    assert_ptr_equal(r.result.end, b.data + b.len);
    for (size_t n = 0; n < b.len; n++)
        assert_int_equal(rdecode(b.data, n, &r), RN_ETRUNCATED);

    /* Errors: every code of the table, with and without field, index and message. */
    for (int code = -1; code >= RN_ECORRUPT; code--) {
        ctl_error e;
        mp_buf_reset(&b);
        if (code % 2 == 0) {
            ctl_error_msg(&e, code, "spec.eqf", "a message");
            e.has_index = true;
            e.index = (uint32_t)-code;
        } else {
            ctl_error_set(&e, code, NULL);
        }
        ctl_response_error(&b, UINT32_MAX, &e);
        assert_int_equal(mp_buf_err(&b), 0);
        assert_int_equal(rdecode(b.data, b.len, &r), 0);
        assert_int_equal(ctl_response_decode(&r, b.data, b.len), 0);
        assert_true(r.is_error);
        assert_int_equal(r.msgid, UINT32_MAX);
        assert_int_equal(r.code, code);
        assert_int_equal(r.name_len, strlen(rn_err_name(code)));
        assert_memory_equal(r.name, rn_err_name(code), r.name_len);
        const char *msg = code % 2 == 0 ? "a message" : rn_strerror(code);
        assert_int_equal(r.message_len, strlen(msg));
        assert_memory_equal(r.message, msg, r.message_len);
        assert_int_equal(r.has_index, code % 2 == 0);
        if (code % 2 == 0) {
            assert_int_equal(r.field_len, 8);
            assert_memory_equal(r.field, "spec.eqf", 8);
            assert_int_equal(r.index, -code);
        } else {
            assert_null(r.field);
        }
        assert_int_equal(mp_peek(&r.result), MP_NIL);
        for (size_t n = 0; n < b.len; n++)
            assert_int_equal(rdecode(b.data, n, &r), RN_ETRUNCATED);
    }
    mp_buf_free(&b);
}

/* A stream of responses, one after the other: ctl_response_read takes them one at a time (an
 * error's negative code included, which mp_skip could not delimit). */
static void test_response_stream(void **state)
{
    (void)state;
    mp_buf b;
    ctl_error e;
    ctl_response r;
    size_t used, off = 0;
    mp_buf_init(&b, 4096);
    ctl_error_msg(&e, RN_ECORRUPT, "check", "entry 3 of FR's log is damaged");
    ctl_response_error(&b, 1, &e);
    size_t first = b.len;
    ctl_response_begin(&b, 2);
    mp_put_array(&b, 1);
    mp_put_uint(&b, 9);
    ctl_response_error(&b, 3, &e);
    assert_int_equal(ctl_response_decode(&r, b.data, b.len), RN_ETRAILING);
    for (uint32_t id = 1; id <= 3; id++) {
        assert_int_equal(ctl_response_read(&r, b.data + off, b.len - off, &used), 0);
        assert_int_equal(r.msgid, id);
        assert_int_equal(r.is_error, id != 2);
        if (id == 1)
            assert_int_equal(used, first);
        off += used;
    }
    assert_int_equal(off, b.len);
    assert_int_equal(ctl_response_read(&r, b.data + off, 0, &used), RN_ETRUNCATED);
    mp_buf_free(&b);
}

/* An error response [1, 5, {pairs...}, result] from raw map bytes. */
static int error_with(const uint8_t *map, size_t map_len, bool with_result, ctl_response *r)
{
    uint8_t b[128];
    size_t n = 0;
    b[n++] = 0x94;
    b[n++] = 0x01;
    b[n++] = 0x05;
    memcpy(b + n, map, map_len);
    n += map_len;
    b[n++] = with_result ? 0x01 : 0xc0;
    return rdecode(b, n, r);
}

static void test_response_errors(void **state)
{
    (void)state;
    ctl_response r;
    static const struct {
        const char *what;
        uint8_t b[24];
        size_t n;
        int code;
    } shapes[] = {
        { "not an array", { 0x81, 0xa1, 'x', 0x01 }, 4, RN_ETYPE },
        { "three elements", { 0x93, 0x01, 0x05, 0xc0 }, 4, RN_ECOUNT },
        { "a request", { 0x94, 0x00, 0x05, 0xc0, 0xc0 }, 5, RN_EINVAL },
        { "type a str", { 0x94, 0xa1, '1', 0x05, 0xc0, 0xc0 }, 6, RN_ETYPE },
        { "msgid over 32 bits",
          { 0x94, 0x01, 0xcf, 0, 0, 0, 1, 0, 0, 0, 0, 0xc0, 0xc0 },
          13,
          RN_EINVAL },
        { "msgid negative", { 0x94, 0x01, 0xff, 0xc0, 0xc0 }, 5, RN_EMALFORMED },
        { "error a str", { 0x94, 0x01, 0x05, 0xa1, 'x', 0xc0 }, 6, RN_ETYPE },
        { "error a float", { 0x94, 0x01, 0x05, 0xca, 0, 0, 0, 0, 0xc0 }, 9, RN_EMALFORMED },
        { "result a float", { 0x94, 0x01, 0x05, 0xc0, 0xca, 0, 0, 0, 0 }, 9, RN_EMALFORMED },
        { "result non-canonical", { 0x94, 0x01, 0x05, 0xc0, 0xcc, 0x01 }, 6, RN_ENONCANON },
        { "trailing", { 0x94, 0x01, 0x05, 0xc0, 0xc0, 0xc0 }, 6, RN_ETRAILING },
    };
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        int rc = rdecode(shapes[i].b, shapes[i].n, &r);
        if (rc != shapes[i].code)
            fail_msg("%s: got %s", shapes[i].what, rn_err_name(rc));
    }

    static const struct {
        const char *what;
        uint8_t b[48];
        size_t n;
        bool result;
        int code;
    } maps[] = {
        { "code only", { 0x81, 0xa4, 'c', 'o', 'd', 'e', 0xe6 }, 7, false, 0 },
        { "unknown key skipped",
          { 0x82, 0xa3, 'n', 'e', 'w', 0x91, 0x01, 0xa4, 'c', 'o', 'd', 'e', 0xe6 },
          13,
          false,
          0 },
        { "nil field and index",
          { 0x83, 0xa5, 'f', 'i',  'e',  'l', 'd', 0xc0, 0xa5, 'i', 'n',
            'd',  'e',  'x', 0xc0, 0xa4, 'c', 'o', 'd',  'e',  0xe6 },
          21,
          false,
          0 },
        { "no code", { 0x81, 0xa4, 'n', 'a', 'm', 'e', 0xa1, 'x' }, 8, false, RN_EMISSING },
        { "empty map", { 0x80 }, 1, false, RN_EMISSING },
        { "code twice",
          { 0x82, 0xa4, 'c', 'o', 'd', 'e', 0xe6, 0xa4, 'c', 'o', 'd', 'e', 0xe6 },
          13,
          false,
          RN_EFIELDORDER },
        { "code zero", { 0x81, 0xa4, 'c', 'o', 'd', 'e', 0x00 }, 7, false, RN_EINVAL },
        { "code positive", { 0x81, 0xa4, 'c', 'o', 'd', 'e', 0x1a }, 7, false, RN_EINVAL },
        { "code below int32",
          { 0x81, 0xa4, 'c', 'o', 'd', 'e', 0xd3, 0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 0 },
          15,
          false,
          RN_EINVAL },
        { "code non-canonical int 8",
          { 0x81, 0xa4, 'c', 'o', 'd', 'e', 0xd0, 0xe6 },
          8,
          false,
          RN_ENONCANON },
        { "code non-canonical int 16",
          { 0x81, 0xa4, 'c', 'o', 'd', 'e', 0xd1, 0xff, 0xe6 },
          9,
          false,
          RN_ENONCANON },
        { "code a str", { 0x81, 0xa4, 'c', 'o', 'd', 'e', 0xa1, 'x' }, 8, false, RN_ETYPE },
        { "name a uint",
          { 0x82, 0xa4, 'n', 'a', 'm', 'e', 0x01, 0xa4, 'c', 'o', 'd', 'e', 0xe6 },
          13,
          false,
          RN_ETYPE },
        { "field a bin",
          { 0x82, 0xa5, 'f', 'i', 'e', 'l', 'd', 0xc4, 0x00, 0xa4, 'c', 'o', 'd', 'e', 0xe6 },
          15,
          false,
          RN_ETYPE },
        { "index over 32 bits",
          { 0x82, 0xa5, 'i', 'n', 'd', 'e',  'x', 0xcf, 0,   0,   0,
            1,    0,    0,   0,   0,   0xa4, 'c', 'o',  'd', 'e', 0xe6 },
          22,
          false,
          RN_EINVAL },
        { "key a uint", { 0x81, 0x01, 0xe6 }, 3, false, RN_ETYPE },
        { "map count past the end",
          { 0x8f, 0xa4, 'c', 'o', 'd', 'e', 0xe6 },
          7,
          false,
          RN_ETRUNCATED },
        { "an error with a result",
          { 0x81, 0xa4, 'c', 'o', 'd', 'e', 0xe6 },
          7,
          true,
          RN_EINCONSISTENT },
        { "unknown key too deep",
          { 0x82, 0xa1, 'x', 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x90, 0xa4, 'c', 'o', 'd',
            'e', 0xe6 },
          17,
          false,
          RN_ETOOBIG },
    };
    for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
        int rc = error_with(maps[i].b, maps[i].n, maps[i].result, &r);
        if (rc != maps[i].code)
            fail_msg("%s: got %s", maps[i].what, rn_err_name(rc));
        if (rc == 0) {
            assert_true(r.is_error);
            assert_int_equal(r.code, -26);
        }
    }
}

static uint64_t rng_state = TEST_RNG_GOLDEN;

static uint64_t rnd(void)
{
    return test_xorshift64_next(&rng_state);
}

/* Random bytes, and valid messages with random bytes flipped: never a crash, a read past the end
 * or an acceptance of something else than one whole value. */
static void test_random(void **state)
{
    (void)state;
    uint8_t buf[96];
    mp_buf good;
    ctl_error e;
    mp_buf_init(&good, 256);
    for (int iter = 0; iter < 100000; iter++) {
        size_t n;
        if (iter % 2 == 0) {
            n = (size_t)(rnd() % sizeof(buf));
            for (size_t i = 0; i < n; i++)
                buf[i] = (uint8_t)rnd();
            if (n > 0)
                buf[0] = (uint8_t)(0x94 ^ (rnd() % 4 == 0 ? rnd() % 256 : 0));
        } else {
            mp_buf_reset(&good);
            if (iter % 4 == 1) {
                put_recognise(&good, true);
            } else {
                ctl_error_msg(&e, RN_EEQF, "spec.eqf", "m");
                ctl_response_error(&good, 3, &e);
            }
            n = good.len;
            memcpy(buf, good.data, n);
            buf[rnd() % n] ^= (uint8_t)(1u << (rnd() % 8));
        }
        ctl_response r;
        ctl_request q;
        uint8_t *copy = malloc(n > 0 ? n : 1);
        assert_non_null(copy);
        memcpy(copy, buf, n);
        if (ctl_response_decode(&r, copy, n) == 0) {
            assert_true(r.result.p >= copy && r.result.end == copy + n);
            if (r.is_error)
                assert_true(r.code < 0);
        }
        memset(&e, 0, sizeof(e));
        int rc = ctl_request_decode(&q, copy, n, &e);
        assert_int_equal(e.code, rc);
        if (rc == 0) {
            assert_non_null(q.m);
            assert_true(q.params_n <= ctl_params_max(q.m) && q.params_n >= ctl_params_min(q.m));
        }
        free(copy);
    }
    mp_buf_free(&good);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),           cmocka_unit_test(test_request_ok),
        cmocka_unit_test(test_request_errors),  cmocka_unit_test(test_response_roundtrip),
        cmocka_unit_test(test_response_errors), cmocka_unit_test(test_response_stream),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
