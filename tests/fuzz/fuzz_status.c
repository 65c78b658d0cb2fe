/*
 * fuzz_status.c: libFuzzer harness for the Bitstring Status List reader (cred_status,
 * cred/status.c).
 *
 * A status list credential is a file the verifier supplies, often saved from a URL a credential
 * names, so its bytes are anyone's: the encodedList is inflated with zlib under a bound. The input
 * is the status list credential's JSON; the credential checked against it is fixed, with one
 * BitstringStatusListEntry. Beside not crashing: exactly one "status" check comes back, with a
 * NUL-terminated reason, and "pass" only when the list is the issuer's and its purpose the
 * entry's and the list is the issuer's or the one the credential names; a "status list proof"
 * check (the list's own Data Integrity proof, cred_di_verify) comes first when the list is an
 * object. A second pass feeds the bytes to cred_status_list_decode as an encodedList, and an
 * accepted one must come back the same through cred_status_list_encode. A third reads them as
 * a statusListCredential URL (cred_status_list_provider): a provider found is non-empty,
 * NUL-terminated inside the buffer, and holds no '/'.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include <stdlib.h>

#include "cred/cred.h"
#include "cred/status.h"

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
    size_t k = json_is_object(list) ? 1u : 0u;
    RN_ASSERT(r.n == k + 1u && strcmp(r.checks[k].name, "status") == 0);
    RN_ASSERT(k == 0 || strcmp(r.checks[0].name, "status list proof") == 0);
    RN_ASSERT(memchr(r.checks[k].reason, '\0', CRED_REASON_BYTES) != NULL);
    if (r.checks[k].result == CRED_PASS) {
        const char *issuer = cred_issuer_id(list);
        const char *id = json_string_value(json_object_get(list, "id"));
        const char *purpose = json_string_value(
            json_object_get(json_object_get(list, "credentialSubject"), "statusPurpose"));
        RN_ASSERT((issuer != NULL && strcmp(issuer, "https://uni.example/i") == 0) ||
                  (id != NULL && strcmp(id, "https://uni.example/status/1") == 0));
        RN_ASSERT(purpose != NULL && strcmp(purpose, "revocation") == 0);
    }
    cred_report_free(&r);
    json_decref(list);
    /* The bytes as an encodedList. */
    uint8_t *bits = NULL;
    size_t len = 0;
    if (cred_status_list_decode((const char *)data, size, &bits, &len) == 0 && len > 0) {
        char *enc = NULL;
        uint8_t *back = NULL;
        size_t back_len = 0;
        RN_ASSERT(cred_status_list_encode(bits, len, &enc) == 0);
        RN_ASSERT(cred_status_list_decode(enc, strlen(enc), &back, &back_len) == 0);
        RN_ASSERT(back_len == len && memcmp(back, bits, len) == 0);
        free(back);
        free(enc);
    }
    free(bits);
    /* The bytes as a statusListCredential URL. */
    char url[600], prov[64];
    size_t un = size < sizeof(url) - 1 ? size : sizeof(url) - 1;
    memcpy(url, data, un);
    url[un] = '\0';
    if (cred_status_list_provider(url, prov, sizeof(prov)) == 0) {
        size_t pn = strnlen(prov, sizeof(prov));
        RN_ASSERT(pn > 0 && pn < sizeof(prov) && memchr(prov, '/', pn) == NULL);
    }
    return 0;
}
