/*
 * fuzz_ctl.c: libFuzzer harness for the control API's codec (proto/ctl.h), without a node:
 * ctl_request_decode, ctl_response_decode and ctl_response_read on every input.
 *
 * Beside not crashing or reading past the end, it checks what each decoder hands back:
 *  - an accepted request names a row of the table, has a parameter count within the row's
 *    bounds, each parameter of its type, and re-encodes to the input (ctl_request_begin, then
 *    the parameters' own bytes): one spelling per request; a refused one sets the error it
 *    returns, with a field;
 *  - an accepted response holds exactly the input, a negative code when it is an error, strings
 *    inside the input; a result re-encodes to the input (ctl_response_begin, then the result's
 *    bytes); and ctl_response_read finds the same response, with the same extent, when bytes
 *    follow it.
 * The seeds (gen_corpus_ctl.c) are a request of every method, results and errors of each shape,
 * and broken variants of each.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ctl.h"
#include "proto/limits.h"

static bool inside(const uint8_t *p, uint32_t n, const uint8_t *data, size_t size)
{
    return p == NULL ? n == 0 : p >= data && (size_t)(p - data) + n <= size;
}

static void check_request(const uint8_t *data, size_t size)
{
    ctl_request r;
    ctl_error e;
    memset(&e, 0, sizeof(e));
    int rc = ctl_request_decode(&r, data, size, &e);
    RN_ASSERT(e.code == rc);
    if (rc < 0) {
        RN_ASSERT(e.field[0] != '\0');
        RN_ASSERT(r.msgid <= UINT32_MAX);
        return;
    }
    RN_ASSERT(rc == 0 && r.m != NULL && ctl_method_get(r.m->id) == r.m);
    RN_ASSERT(r.params_n >= ctl_params_min(r.m) && r.params_n <= ctl_params_max(r.m));
    for (uint32_t i = 0; i < r.params_n; i++) {
        mp_type t = mp_peek(&r.params[i]);
        RN_ASSERT(r.params[i].p >= data && r.params[i].p < data + size);
        RN_ASSERT(t != MP_NONE && t != MP_OTHER);
        RN_ASSERT(t != MP_NIL || r.m->params[i].optional);
    }
    mp_buf b;
    mp_buf_init(&b, RN_CONTROL_REQUEST_BYTES_MAX);
    ctl_request_begin(&b, (uint32_t)r.msgid, r.m, r.params_n);
    if (r.params_n > 0)
        mp_buf_raw(&b, r.params[0].p, size - (size_t)(r.params[0].p - data));
    RN_ASSERT(mp_buf_err(&b) == 0 && b.len == size && memcmp(b.data, data, size) == 0);
    mp_buf_free(&b);
}

static void check_response(const uint8_t *data, size_t size)
{
    ctl_response r, s;
    size_t used;
    int rc = ctl_response_read(&r, data, size, &used);
    int whole = ctl_response_decode(&s, data, size);
    if (rc < 0) {
        RN_ASSERT(whole == rc);
        return;
    }
    RN_ASSERT(used <= size && r.result.end == data + used);
    RN_ASSERT(whole == (used == size ? 0 : RN_ETRAILING));
    if (r.is_error) {
        RN_ASSERT(r.code < 0 && mp_peek(&r.result) == MP_NIL);
        RN_ASSERT(inside(r.name, r.name_len, data, size));
        RN_ASSERT(inside(r.message, r.message_len, data, size));
        RN_ASSERT(inside(r.field, r.field_len, data, size));
        return;
    }
    /* A result: the envelope is the codec's one spelling. */
    mp_buf b;
    size_t res = (size_t)(r.result.p - data);
    mp_buf_init(&b, RN_CONTROL_RESPONSE_BYTES_MAX);
    ctl_response_begin(&b, r.msgid);
    mp_buf_raw(&b, r.result.p, used - res);
    RN_ASSERT(mp_buf_err(&b) == 0 && b.len == used && memcmp(b.data, data, used) == 0);
    mp_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_request(data, size);
    check_response(data, size);
    return 0;
}
