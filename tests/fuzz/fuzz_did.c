/*
 * fuzz_did.c: libFuzzer harness for verification-method resolution without the network
 * (cred_resolve, cred_binding, cred_resolve_ed25519, cred_docs_add; cred/did.h).
 *
 * Verification methods and kids come from credentials anyone can write. The input is taken as
 * one identifier (did:key, did:jwk, did:web, https with a fragment...) resolved against a fixed
 * set of supplied documents; an input that is a JSON object is also offered as a document. Beside
 * not crashing:
 *  - a refused identifier gives one of the codes the header lists and a NUL-terminated reason;
 *  - a resolved one has a key of an accepted type, a non-empty controller and a `how`; a did:key
 *    or did:jwk is its own controller; its binding to an issuer that is its controller is yes;
 *  - cred_resolve_ed25519 returns an Ed25519 key only when cred_resolve gave one.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "cred/did.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    static cred_docs docs;
    char why[256], reason[512];
    if (!ready) {
        RN_ASSERT(sodium_init() >= 0);
        cred_docs_init(&docs);
        json_t *d =
            json_pack("{s:s,s:[{s:s,s:s},{s:s,s:{s:s,s:s,s:s}}],s:[s]}", "id",
                      "did:web:example.com", "verificationMethod", "id", "#k", "publicKeyMultibase",
                      "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi", "id",
                      "did:web:example.com#j", "publicKeyJwk", "kty", "OKP", "crv", "Ed25519", "x",
                      "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "assertionMethod", "#k");
        RN_ASSERT(cred_docs_add(&docs, d, NULL, 0) == 0);
        json_decref(d);
        ready = true;
    }
    if (size > CRED_ID_BYTES_MAX + 16)
        return 0;
    char *vm = malloc(size + 1);
    RN_ASSERT(vm != NULL);
    memcpy(vm, data, size);
    vm[size] = '\0';

    /* As a document: added to a scratch set, or refused with a listed code. */
    json_t *o = json_loadb((const char *)data, size, 0, NULL);
    if (o != NULL) {
        cred_docs scratch;
        cred_docs_init(&scratch);
        int rc = cred_docs_add(&scratch, o, why, sizeof(why));
        RN_ASSERT(rc == 0 || rc == RN_ETYPE || rc == RN_ELEN || rc == RN_ENOMEM);
        if (rc == 0)
            RN_ASSERT(cred_docs_get(&scratch, json_string_value(json_object_get(o, "id"))) == o);
        cred_docs_free(&scratch);
        json_decref(o);
    }

    cred_resolved r;
    why[0] = '\0';
    int rc = cred_resolve(&docs, vm, &r, why, sizeof(why));
    RN_ASSERT(memchr(why, '\0', sizeof(why)) != NULL);
    uint8_t pk[32];
    int rc2 = cred_resolve_ed25519(&docs, vm, rc == 0 ? r.controller : "did:example:x", pk, why,
                                   sizeof(why));
    if (rc != 0) {
        RN_ASSERT(rc == RN_EINVAL || rc == RN_ENOTFOUND || rc == RN_EKEY || rc == RN_ELEN ||
                  rc == RN_ENOMEM);
        RN_ASSERT(rc2 == rc);
    } else {
        RN_ASSERT(r.key.kty == CRED_KTY_RSA || r.key.kty == CRED_KTY_P256 ||
                  r.key.kty == CRED_KTY_ED25519);
        RN_ASSERT(r.controller[0] != '\0' && r.how != NULL);
        if (strncmp(vm, "did:key:", 8) == 0 || strncmp(vm, "did:jwk:", 8) == 0)
            RN_ASSERT(strncmp(vm, r.controller, strlen(r.controller)) == 0);
        RN_ASSERT(cred_binding(&docs, r.controller, vm, r.controller, &r.key, reason,
                               sizeof(reason)) == CRED_BIND_YES);
        RN_ASSERT((rc2 == 0) == (r.key.kty == CRED_KTY_ED25519));
        if (rc2 == 0)
            RN_ASSERT(memcmp(pk, r.key.ed25519, 32) == 0);
        cred_resolved_free(&r);
    }
    free(vm);
    return 0;
}
