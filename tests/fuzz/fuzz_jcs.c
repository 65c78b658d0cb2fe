/*
 * fuzz_jcs.c: libFuzzer harness for the JSON Canonicalization Scheme (cred/jcs.h).
 *
 * Any JSON that jansson reads (duplicates refused, as RFC 8785 requires) must canonicalize,
 * unless it nests deeper than CRED_JCS_DEPTH_MAX; and the canonical form must read back as JSON
 * whose canonical form is the same bytes (JCS is idempotent), with no whitespace outside
 * strings.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "cred/jcs.h"
#include "proto/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *v =
        json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
    if (!v)
        return 0;
    cred_buf a;
    cred_buf_init(&a, 1u << 24);
    int rc = cred_jcs_write(v, &a);
    RN_ASSERT(rc == 0 || rc == RN_ETOOBIG);
    if (rc == 0) {
        RN_ASSERT(a.len > 0);
        json_t *w = json_loadb(a.data, a.len, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, NULL);
        RN_ASSERT(w);
        cred_buf b;
        cred_buf_init(&b, 1u << 24);
        RN_ASSERT(cred_jcs_write(w, &b) == 0);
        RN_ASSERT(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
        bool in_string = false;
        for (size_t i = 0; i < a.len; i++) {
            if (in_string && a.data[i] == '\\')
                i++; /* the escaped character */
            else if (a.data[i] == '"')
                in_string = !in_string;
            else if (!in_string)
                RN_ASSERT(a.data[i] != ' ' && a.data[i] != '\n' && a.data[i] != '\t');
        }
        RN_ASSERT(!in_string);
        cred_buf_free(&b);
        json_decref(w);
    }
    cred_buf_free(&a);
    json_decref(v);
    return 0;
}
