/*
 * sign_vc.c: the integration tests' credential issuer: signs a JSON credential with an Ed25519
 * key named by its did:key, as an Open Badges 3.0 issuer with a did:key does, so that a test can
 * hold credentials that carry the credentialStatus it means to check (status_list.sh).
 *
 *     rn_sign_vc LABEL IN.json OUT.json
 *
 * The key's seed is BLAKE2b-256 of LABEL. The credential's issuer (the string, or issuer.id) is
 * set to the key's did:key, and an eddsa-jcs-2022 proof (cred_di_sign) by did:key:z..#z.. is
 * added, created at the credential's validFrom. OUT is written (replaced). Exit status: 0 done,
 * 1 a step failed (said on stderr), 2 usage.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "cred/di.h"
#include "cred/status.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: rn_sign_vc LABEL IN.json OUT.json\n");
        return 2;
    }
    if (sodium_init() < 0)
        return 1;
    uint8_t seed[32], pk[32], sk[64];
    crypto_generichash(seed, sizeof(seed), (const uint8_t *)argv[1], strlen(argv[1]), NULL, 0);
    crypto_sign_seed_keypair(pk, sk, seed);
    json_error_t err;
    json_t *vc = json_load_file(argv[2], 0, &err);
    if (!json_is_object(vc)) {
        fprintf(stderr, "rn_sign_vc: %s: %s\n", argv[2], err.text);
        return 1;
    }
    char did[CRED_DID_KEY_CHARS], vm[2 * CRED_DID_KEY_CHARS];
    cred_did_key_ed25519(pk, did);
    snprintf(vm, sizeof(vm), "%s#%s", did, did + 8);
    json_t *issuer = json_object_get(vc, "issuer");
    if (json_is_object(issuer))
        json_object_set_new(issuer, "id", json_string(did));
    else
        json_object_set_new(vc, "issuer", json_string(did));
    const char *created = json_string_value(json_object_get(vc, "validFrom"));
    json_t *signed_vc = NULL;
    int rc = cred_di_sign(vc, CRED_DI_EDDSA_JCS_2022, sk, vm,
                          created != NULL ? created : "2026-01-01T00:00:00Z", &signed_vc);
    sodium_memzero(sk, sizeof(sk));
    if (rc != 0 || json_dump_file(signed_vc, argv[3], JSON_INDENT(2)) != 0) {
        fprintf(stderr, "rn_sign_vc: cannot sign or write %s (%d)\n", argv[3], rc);
        return 1;
    }
    json_decref(signed_vc);
    json_decref(vc);
    return 0;
}
