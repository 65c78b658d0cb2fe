/*
 * fuzz_json.c: libFuzzer harness for the strict JSON reader (cred/json.h) against its reference,
 * jansson's json_loadb(JSON_REJECT_DUPLICATES).
 *
 * Both must refuse the input, or both read it to the same value: json_equal and the same compact
 * serialization (types, integers and reals, member order). The one difference json.h names, a
 * NUL byte right after a number or a literal that jansson reads as nothing and this reader
 * refuses, is checked as such: without those bytes the input reads to jansson's value.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cred/json.h"
#include "proto/error.h"

static bool alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    json_t *ref = json_loadb(buf, size, JSON_REJECT_DUPLICATES, NULL);
    json_t *got = (json_t *)1;
    char why[160];
    int rc = cred_json_loadb(buf, size, &got, why, sizeof(why));
    RN_ASSERT(rc == 0 || rc == RN_EMALFORMED || rc == RN_ENOMEM);
    RN_ASSERT((rc == 0) == (got != NULL));
    if (rc == RN_ENOMEM) {
        json_decref(ref);
        return 0;
    }
    if (ref == NULL) {
        RN_ASSERT(rc == RN_EMALFORMED);
        RN_ASSERT(strstr(why, " at byte ") != NULL);
        return 0;
    }
    if (rc != 0) {
        /* Only for a NUL jansson drops. */
        char *clean = malloc(size + 1);
        RN_ASSERT(clean != NULL);
        size_t n = 0;
        for (size_t i = 0; i < size; i++)
            if (data[i] != 0 || i == 0 || !alnum(data[i - 1]))
                clean[n++] = buf[i];
        RN_ASSERT(n < size);
        RN_ASSERT(cred_json_loadb(clean, n, &got, NULL, 0) == 0);
        RN_ASSERT(json_equal(ref, got));
        free(clean);
    } else {
        char *a = json_dumps(ref, JSON_COMPACT | JSON_ENCODE_ANY);
        char *b = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);
        RN_ASSERT(a != NULL && b != NULL && json_equal(ref, got) && strcmp(a, b) == 0);
        free(a);
        free(b);
    }
    json_decref(ref);
    json_decref(got);
    return 0;
}
