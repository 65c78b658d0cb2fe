/*
 * fuzz_apijson.c: libFuzzer harness for the direct JSON writer (api_json_write, api/json.h),
 * which reads the node's MessagePack answers in the HTTP gateway.
 *
 * The first byte picks the flags (API_JSON_DROP_PROOF, API_JSON_WHOLE); the rest is the value.
 * Beside not crashing: when the writer takes the value, the tree path (api_json_from_mp,
 * api_json_drop_proof, api_json_text) must show it too, with exactly the same bytes; when it
 * declines, the error is one of those api_json_write names. The text buffer is reused across
 * inputs, as the gateway reuses it across answers (its kept keys and days included).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static api_text t;
    static bool ready;
    if (!ready) {
        api_text_init(&t, 1u << 22);
        ready = true;
    }
    if (size < 1)
        return 0;
    unsigned flags = data[0] & (API_JSON_DROP_PROOF | API_JSON_WHOLE);
    mp_cur v;
    mp_cur_init(&v, data + 1, size - 1);
    int rc = api_json_write(&t, v, flags);
    RN_ASSERT(rc == 0 || rc == RN_EMALFORMED || rc == RN_EINVAL || rc == RN_ETOOBIG);
    if (rc != 0)
        return 0;
    RN_ASSERT(t.len >= 3 && t.p[t.len - 1] == '\n');
    json_t *j = api_json_from_mp(v);
    RN_ASSERT(j != NULL);
    if (flags & API_JSON_DROP_PROOF)
        api_json_drop_proof(j, v);
    char *text = api_json_text(j);
    RN_ASSERT(text != NULL);
    RN_ASSERT(strlen(text) == t.len && memcmp(text, t.p, t.len) == 0);
    free(text);
    json_decref(j);
    return 0;
}
