/*
 * fuzz_status.c: libFuzzer harness for the Bitstring Status List reader (cred_status,
 * cred/status.c).
 *
 * A status list credential is a file the verifier supplies, often saved from a URL a credential
 * names, so its bytes are anyone's: the encodedList is inflated with zlib under a bound. The input
 * is the status list credential's JSON; the credential checked against it is fixed, with one
 * BitstringStatusListEntry. Beside not crashing: exactly one "status" check comes back, with a
 * NUL-terminated reason, and "pass" only when the list is the issuer's and its purpose the
 * entry's.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "cred/cred.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static json_t *vc;
    if (vc == NULL)
        vc = json_pack("{s:s,s:{s:s,s:s,s:s,s:s,s:s}}", "issuer", "https://uni.example/i",
                       "credentialStatus", "id", "https://uni.example/status/1#23", "type",
                       "BitstringStatusListEntry", "statusPurpose", "revocation", "statusListIndex",
                       "23", "statusListCredential", "https://uni.example/status/1");
    json_t *list = json_loadb((const char *)data, size, 0, NULL);
    cred_report r;
    cred_report_init(&r);
    cred_status(vc, json_is_object(list) ? list : NULL, &r);
    RN_ASSERT(r.n == 1 && strcmp(r.checks[0].name, "status") == 0);
    RN_ASSERT(memchr(r.checks[0].reason, '\0', CRED_REASON_BYTES) != NULL);
    if (r.checks[0].result == CRED_PASS) {
        const char *issuer = cred_issuer_id(list);
        const char *purpose = json_string_value(
            json_object_get(json_object_get(list, "credentialSubject"), "statusPurpose"));
        RN_ASSERT(issuer != NULL && strcmp(issuer, "https://uni.example/i") == 0);
        RN_ASSERT(purpose != NULL && strcmp(purpose, "revocation") == 0);
    }
    cred_report_free(&r);
    json_decref(list);
    return 0;
}
