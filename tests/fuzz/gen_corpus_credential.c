/*
 * gen_corpus_credential.c: writes the seed corpus of the credential harness
 * (tests/fuzz/corpus/credential/): envelopes signed with proto_credential_sign by keys from fixed
 * seeds (so every run writes the same bytes), with and without a grade, at the bounds of each
 * field, and one broken variant per decoder check.
 *
 * Not run by the tests. Regenerate with:
 *     build/tests/fuzz/gen_corpus_credential tests/fuzz/corpus/credential
 * and commit the result; see tests/fuzz/README.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto/credential.h"
#include "proto/key.h"

static const char *outdir;

static void write_file(const char *name, const uint8_t *p, size_t len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", outdir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "gen_corpus_credential: cannot write %s\n", path);
        exit(1);
    }
}

/* Signs one envelope into b (reset first). */
static void make(mp_buf *b, const char *spec, const char *grade, uint64_t at, uint8_t seed_byte)
{
    uint8_t seed[PROTO_SEED_BYTES], sk[PROTO_SK_BYTES], pk[PROTO_KEY_BYTES], holder[32];
    uint8_t salt[16];
    memset(seed, seed_byte, sizeof(seed));
    memset(salt, 0x5a, sizeof(salt));
    proto_key_sk_derive(seed, sk, pk);
    if (proto_credential_holder(salt, sizeof(salt), (const uint8_t *)"ana@example.org", 15,
                                holder) != 0)
        exit(1);
    proto_credential c;
    memset(&c, 0, sizeof(c));
    c.spec = proto_str_c(spec);
    c.holder = holder;
    c.issued_at_ms = at;
    c.grade = proto_str_c(grade);
    c.issuer_key = pk;
    mp_buf_reset(b);
    if (proto_credential_sign(&c, sk, b) != 0) {
        fprintf(stderr, "gen_corpus_credential: cannot sign\n");
        exit(1);
    }
}

int main(int argc, char **argv)
{
    mp_buf b;
    char grade[PROTO_CREDENTIAL_GRADE_BYTES_MAX + 1];
    if (argc != 2 || sodium_init() < 0) {
        fprintf(stderr, "usage: gen_corpus_credential OUTDIR\n");
        return 2;
    }
    outdir = argv[1];
    mp_buf_init(&b, PROTO_CREDENTIAL_BYTES_MAX);

    make(&b, "IE:uniz/mc-c012", "Pass", 1738368000000ull, 1);
    write_file("valid-grade", b.data, b.len);
    make(&b, "NL:42NB/ach-44ABA", NULL, 1725004800000ull, 2);
    write_file("valid-no-grade", b.data, b.len);
    memset(grade, 'A', PROTO_CREDENTIAL_GRADE_BYTES_MAX);
    grade[PROTO_CREDENTIAL_GRADE_BYTES_MAX] = '\0';
    make(&b, "GR:uoa/mc-001", grade, 253402300799999ull, 3);
    write_file("valid-bounds", b.data, b.len);
    make(&b, "IE:uniz/mc-c012", "8,5 (zeer goed)", 0, 4);
    write_file("valid-time-zero", b.data, b.len);

    /* Broken variants of the first. */
    make(&b, "IE:uniz/mc-c012", "Pass", 1738368000000ull, 1);
    uint8_t v[512];
    size_t n = b.len;
    memcpy(v, b.data, n);
    write_file("broken-truncated", v, n - 1);
    v[n] = 0xc0;
    write_file("broken-trailing", v, n + 1);
    v[1] = 0x02; /* version 2 */
    write_file("broken-version", v, n);
    memcpy(v, b.data, n);
    v[0] = 0x96; /* six elements */
    write_file("broken-count", v, n);
    memcpy(v, b.data, n);
    v[3] = 'e'; /* "Ie:..." */
    write_file("broken-spec-id", v, n);
    memcpy(v, b.data, n);
    v[n - 1] ^= 0x80; /* a signature that does not verify, but decodes */
    write_file("bad-signature", v, n);
    memcpy(v, b.data, n);
    v[1] = 0xcc; /* uint8 1: not the shortest form */
    memmove(v + 2, b.data + 1, n - 1);
    v[2] = 0x01;
    write_file("broken-noncanon", v, n + 1);
    mp_buf_free(&b);
    return 0;
}
