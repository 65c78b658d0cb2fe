/*
 * fuzz_verify.c: libFuzzer harness for the verifier of every credential form
 * (api/verifier.h), driven with an arbitrary file and arbitrary node replies.
 *
 * The verifier reads what a stranger presents (POST /v1/verify is open to anyone) and what the
 * node answers; neither may crash it, make it loop, or make it answer inconsistently. Input:
 *
 *     flags (1 byte)  bit 0: a spec is named; bit 1: an issuer key is given
 *     file length (4 bytes, little-endian; cut to what is there) and the file's bytes
 *     then, for each question the verifier asks, one reply:
 *         kind (1 byte) and length (2 bytes, little-endian) and that many bytes:
 *         kind % 4 == 0: the bytes as the whole response (anything at all);
 *                     1: an error response whose code is -(first byte % 47 + 1);
 *                     2: a result {"bytes": <the bytes>} (a `record` answer with any entry);
 *                     3: a result that is the bytes (any MessagePack value, or not one)
 *     and when the input is used up, no reply at all (the node went away).
 *
 * Beside not crashing, the harness checks that the verifier is DONE within
 * API_VERIFIER_CALLS_MAX questions, that a valid answer says valid_and_recognised and holds the
 * node's answer, that every answer is JSON that serialises, that an outcome without an answer
 * has an error code and message, and that asking again once DONE still says DONE.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "api/verifier.h"
#include "proto/mp.h"

static size_t take(const uint8_t **p, size_t *left, size_t n)
{
    if (n > *left)
        n = *left;
    *p += n;
    *left -= n;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        RN_ASSERT(sodium_init() >= 0);
        ready = true;
    }
    if (size < 5)
        return 0;
    uint8_t flags = data[0];
    size_t flen =
        (size_t)data[1] | (size_t)data[2] << 8 | (size_t)data[3] << 16 | (size_t)data[4] << 24;
    const uint8_t *p = data + 5;
    size_t left = size - 5;
    const uint8_t *file = p;
    flen = take(&p, &left, flen);

    api_verifier_opts o;
    memset(&o, 0, sizeof(o));
    o.country = "DE";
    o.purpose = "employment";
    o.now_ms = 1767225600000ull;
    if (flags & 1u)
        o.spec = "NL:42NB/ach-44ABA";
    if (flags & 2u) {
        o.issuer_key_set = true;
        memset(o.issuer_key, 0x5a, sizeof(o.issuer_key));
    }
    api_verifier *v = api_verifier_new();
    if (v == NULL)
        return 0;
    RN_ASSERT(api_verifier_start(v, file, flen, &o) == 0);
    mp_buf b;
    mp_buf_init(&b, RN_CONTROL_RESPONSE_BYTES_MAX);
    ctl_method_id m;
    const uint8_t *params;
    size_t params_len;
    uint32_t asked = 0;
    while (api_verifier_next(v, &m, &params, &params_len) == API_VERIFIER_NEED) {
        RN_ASSERT(++asked <= API_VERIFIER_CALLS_MAX);
        RN_ASSERT(m == CTL_M_RECORD || m == CTL_M_SEARCH || m == CTL_M_VERIFY);
        RN_ASSERT(params != NULL && params_len > 0);
        if (left < 3) {
            api_verifier_feed(v, NULL, 0);
            continue;
        }
        uint8_t kind = p[0];
        size_t n = (size_t)p[1] | (size_t)p[2] << 8;
        take(&p, &left, 3);
        const uint8_t *chunk = p;
        n = take(&p, &left, n);
        mp_buf_reset(&b);
        switch (kind % 4u) {
        case 0:
            api_verifier_feed(v, chunk, n);
            continue;
        case 1:
            mp_put_array(&b, 4);
            mp_put_uint(&b, 1);
            mp_put_uint(&b, 1);
            mp_put_map(&b, 2);
            mp_put_cstr(&b, "code");
            mp_put_int(&b, -(int64_t)((n > 0 ? chunk[0] : 0) % 47u + 1u));
            mp_put_cstr(&b, "message");
            mp_put_str(&b, chunk, n);
            mp_put_nil(&b);
            break;
        case 2:
            mp_put_array(&b, 4);
            mp_put_uint(&b, 1);
            mp_put_uint(&b, 1);
            mp_put_nil(&b);
            mp_put_map(&b, 1);
            mp_put_cstr(&b, "bytes");
            mp_put_bin(&b, chunk, n);
            break;
        case 3:
        default: {
            /* [1, 1, nil, <the bytes>]: the array's header and three values, then the chunk. */
            static uint8_t raw[4 + 65535];
            static const uint8_t head[4] = { 0x94, 0x01, 0x01, 0xc0 };
            memcpy(raw, head, sizeof(head));
            memcpy(raw + 4, chunk, n);
            api_verifier_feed(v, raw, 4 + n);
            continue;
        }
        }
        api_verifier_feed(v, b.err == 0 ? b.data : NULL, b.err == 0 ? b.len : 0);
    }
    RN_ASSERT(api_verifier_next(v, &m, &params, &params_len) == API_VERIFIER_DONE);
    RN_ASSERT(api_verifier_calls(v) == asked);
    api_verify_outcome oc = api_verifier_outcome(v);
    json_t *ans = api_verifier_answer(v);
    const char *field, *msg;
    int code = api_verifier_error(v, &field, &msg);
    RN_ASSERT(field != NULL && msg != NULL);
    if (oc == API_VERIFY_VALID) {
        RN_ASSERT(ans != NULL);
        RN_ASSERT(json_is_true(json_object_get(ans, "valid_and_recognised")));
        RN_ASSERT(json_is_object(json_object_get(ans, "node")));
    }
    if (ans != NULL) {
        RN_ASSERT(json_is_object(json_object_get(ans, "credential")));
        char *s = json_dumps(ans, JSON_COMPACT);
        RN_ASSERT(s != NULL);
        free(s);
    } else {
        RN_ASSERT(oc != API_VERIFY_VALID && code < 0 && msg[0] != '\0');
    }
    mp_buf_free(&b);
    api_verifier_free(v);
    return 0;
}
