/*
 * fuzz_query.c: libFuzzer harness for the HTTP gateway's query-string decoder and the
 * conversion of its parameters into a control API request (api/query.h).
 *
 * The first byte picks the method (among the table's rows), the rest is the query string. Beside
 * not crashing: an accepted query has at most RN_HTTP_QUERY_PARAMS_MAX parameters, each value
 * NUL-terminated at its length; a refused one names a known error; and every request built is
 * one the control API's own decoder accepts for that method.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "api/query.h"
#include "proto/ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static api_query q;
    ctl_error e;
    if (size == 0)
        return 0;
    const ctl_method *m = ctl_method_get((ctl_method_id)(data[0] % CTL_M_COUNT));
    const char *s = (const char *)data + 1;
    int rc = api_query_parse(&q, s, size - 1, &e);
    if (rc != 0) {
        RN_ASSERT(rc == RN_ETOOBIG || rc == RN_EINVAL || rc == RN_EDUPLICATE);
        RN_ASSERT(e.code == rc);
        return 0;
    }
    RN_ASSERT(q.n <= RN_HTTP_QUERY_PARAMS_MAX);
    for (uint32_t i = 0; i < q.n; i++)
        RN_ASSERT(strlen(q.p[i].value) == q.p[i].value_len);
    mp_buf params, req;
    mp_buf_init(&params, 1u << 16);
    mp_buf_init(&req, RN_CONTROL_REQUEST_BYTES_MAX);
    static const uint8_t claim[] = { 0x80 }; /* {} */
    rc = api_params_build(&params, m, &q, claim, sizeof(claim), "proof", &e);
    if (rc == 0 && mp_buf_err(&params) == 0) {
        ctl_request r;
        ctl_error de;
        ctl_request_wrap(&req, 1, m, params.data, params.len);
        RN_ASSERT(ctl_request_decode(&r, req.data, req.len, &de) == 0);
        RN_ASSERT(r.m == m);
    } else if (rc != 0) {
        RN_ASSERT(e.code == rc);
    }
    mp_buf_free(&params);
    mp_buf_free(&req);
    return 0;
}
