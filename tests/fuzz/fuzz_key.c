/*
 * fuzz_key.c: libFuzzer harness for the textual public key and the secret key file parsers
 * (proto_key_text_parse and proto_key_file_parse, proto/key.h).
 *
 * Public keys arrive as text in roster files, on the command line and in imported records; key
 * files are read at every start of a node and by recnetctl. Both parsers are strict (one
 * canonical spelling), so beside not crashing the harness checks the round trips that strictness
 * promises:
 *  - an accepted public key formats back to exactly the input bytes;
 *  - an accepted key file yields the public key its seed derives, and proto_key_file_format of
 *    that seed parses again to the same seed and key; a refused one leaves seed and key wiped,
 *    returns RN_ETOOBIG or RN_EKEYFILE, the same with or without a diagnostic, and names a field
 *    in the diagnostic.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "proto/error.h"
#include "proto/key.h"

static bool all_zero(const uint8_t *b, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= b[i];
    return acc == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        RN_ASSERT(sodium_init() >= 0);
        ready = true;
    }
    const char *s = (const char *)data;

    uint8_t pk[PROTO_KEY_BYTES];
    char text[PROTO_KEY_TEXT_LEN + 1];
    int rc = proto_key_text_parse(s, size, pk);
    RN_ASSERT(rc == 0 || rc == RN_EKEY);
    if (rc == 0) {
        proto_key_text_format(pk, text);
        RN_ASSERT(size == PROTO_KEY_TEXT_LEN && memcmp(text, s, size) == 0);
    }

    uint8_t seed[PROTO_SEED_BYTES], seed2[PROTO_SEED_BYTES];
    uint8_t pk2[PROTO_KEY_BYTES], sk[PROTO_SK_BYTES], derived[PROTO_KEY_BYTES];
    char file[PROTO_KEY_FILE_LEN + 1];
    rn_diag d;
    memset(&d, 0, sizeof(d));
    rc = proto_key_file_parse(s, size, seed, pk, &d);
    if (rc != 0) {
        RN_ASSERT(rc == RN_ETOOBIG || rc == RN_EKEYFILE);
        RN_ASSERT(d.code == rc);
        RN_ASSERT(rc == RN_ETOOBIG || d.field != NULL);
        RN_ASSERT(all_zero(seed, sizeof(seed)) && all_zero(pk, sizeof(pk)));
        RN_ASSERT(proto_key_file_parse(s, size, seed, pk, NULL) == rc);
        return 0;
    }
    proto_key_sk_derive(seed, sk, derived);
    RN_ASSERT(memcmp(derived, pk, sizeof(pk)) == 0);
    proto_key_file_format(seed, file);
    RN_ASSERT(proto_key_file_parse(file, PROTO_KEY_FILE_LEN, seed2, pk2, NULL) == 0);
    RN_ASSERT(memcmp(seed, seed2, sizeof(seed)) == 0 && memcmp(pk, pk2, sizeof(pk)) == 0);
    sodium_memzero(seed, sizeof(seed));
    sodium_memzero(seed2, sizeof(seed2));
    sodium_memzero(sk, sizeof(sk));
    sodium_memzero(file, sizeof(file));
    return 0;
}
