/*
 * gen_corpus_entry.c: writes the seed corpus of the entry harness (tests/fuzz/corpus/entry/).
 *
 * A fuzzer finds its way much faster from inputs that already pass most checks, so the seeds are
 * real signed entries of every kind, made with proto_entry_sign from fixed seeds (Ed25519
 * signatures are deterministic, so the output is the same bytes on every run), plus one broken
 * variant per decoder check: each starts from a valid entry and breaks exactly one thing. The
 * files are small (under 400 bytes) so that the corpus stays cheap to replay and to review.
 *
 * Not run by the tests. Regenerate with:
 *     build/tests/fuzz/gen_corpus_entry tests/fuzz/corpus/entry
 * and commit the result; see tests/fuzz/README.md.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto/entry.h"
#include "proto/limits.h"
#include "proto/mp.h"

#define ENTRY_CAP 1024u

/* 2024-05-01T00:00:00Z in ms, a plausible publication time. */
#define T0_MS 1714521600000ull

typedef struct author {
    uint8_t pk[PROTO_KEY_BYTES];
    uint8_t sk[PROTO_SK_BYTES];
} author;

typedef struct entry_buf {
    uint8_t b[ENTRY_CAP];
    size_t len;
} entry_buf;

static const char *outdir;

static void die(const char *what)
{
    fprintf(stderr, "gen_corpus_entry: %s\n", what);
    exit(1);
}

static void author_init(author *a, uint8_t seed_byte)
{
    uint8_t seed[crypto_sign_SEEDBYTES];
    memset(seed, seed_byte, sizeof(seed));
    if (crypto_sign_seed_keypair(a->pk, a->sk, seed) != 0)
        die("crypto_sign_seed_keypair failed");
}

static void write_file(const char *name, const uint8_t *p, size_t len)
{
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/%s", outdir, name);
    if (n < 0 || (size_t)n >= sizeof(path))
        die("path too long");
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, len, f) != len || fclose(f) != 0)
        die(path);
    printf("%-28s %4zu bytes\n", name, len);
}

/* Signs one entry with body `body` (an encoded map) and writes it when `name` is not NULL. */
static void sign(entry_buf *out, const author *a, uint64_t seq, const entry_buf *prev_entry,
                 proto_kind kind, const mp_buf *body, const char *name)
{
    uint8_t prev_id[PROTO_ID_BYTES];
    proto_entry_draft dr;
    memset(&dr, 0, sizeof(dr));
    dr.seq = seq;
    if (prev_entry != NULL) {
        proto_entry_id(prev_entry->b, prev_entry->len, prev_id);
        dr.prev = prev_id;
    }
    dr.timestamp_ms = T0_MS + seq * 60000u;
    dr.kind = kind;
    dr.body = body->data;
    dr.body_len = body->len;
    if (mp_buf_err(body) != 0 || proto_entry_sign(&dr, a->sk, out->b, sizeof(out->b), &out->len))
        die("proto_entry_sign failed");
    if (name != NULL)
        write_file(name, out->b, out->len);
}

/* Writes a copy of `e` with byte `off` set to `v`. */
static void write_patched(const char *name, const entry_buf *e, size_t off, uint8_t v)
{
    entry_buf c = *e;
    if (off >= c.len)
        die("patch offset out of range");
    c.b[off] = v;
    write_file(name, c.b, c.len);
}

/* Offset of a field of a valid entry, found by decoding it. */
static size_t offset_of(const entry_buf *e, const uint8_t *field)
{
    return (size_t)(field - e->b);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
        return 2;
    }
    outdir = argv[1];
    if (sodium_init() < 0)
        die("sodium_init failed");

    author fr, ie, no;
    author_init(&fr, 0x01);
    author_init(&ie, 0x02);
    author_init(&no, 0x03);

    mp_buf body;
    mp_buf_init(&body, RN_ENTRY_BYTES_MAX);
    entry_buf fr1, fr2, fr3, ie1, ie2, e;

    /* France: a provider, one of its specs, and a decision about an Irish spec. */
    mp_put_map(&body, 3);
    mp_put_cstr(&body, "id");
    mp_put_cstr(&body, "FR:prov/0007");
    mp_put_cstr(&body, "name");
    mp_put_cstr(&body, "Universite de Lyon");
    mp_put_cstr(&body, "status");
    mp_put_cstr(&body, "active");
    sign(&fr1, &fr, 1, NULL, PROTO_KIND_PROVIDER, &body, "valid-provider-seq1");

    mp_buf_reset(&body);
    mp_put_map(&body, 5);
    mp_put_cstr(&body, "ects");
    mp_put_uint(&body, 500);
    mp_put_cstr(&body, "eqf");
    mp_put_uint(&body, 5);
    mp_put_cstr(&body, "id");
    mp_put_cstr(&body, "FR:cncp/mc-0042");
    mp_put_cstr(&body, "isced");
    mp_put_cstr(&body, "0613");
    mp_put_cstr(&body, "title");
    mp_put_map(&body, 2);
    mp_put_cstr(&body, "en");
    mp_put_cstr(&body, "Data protection for small firms");
    mp_put_cstr(&body, "fr");
    mp_put_cstr(&body, "Protection des donnees pour les TPE");
    sign(&fr2, &fr, 2, &fr1, PROTO_KIND_SPEC, &body, "valid-spec-seq2");

    mp_buf_reset(&body);
    mp_put_map(&body, 4);
    mp_put_cstr(&body, "ects");
    mp_put_uint(&body, 500);
    mp_put_cstr(&body, "outcome");
    mp_put_cstr(&body, "full");
    mp_put_cstr(&body, "purpose");
    mp_put_array(&body, 2);
    mp_put_cstr(&body, "employment");
    mp_put_cstr(&body, "further-study");
    mp_put_cstr(&body, "spec");
    mp_put_cstr(&body, "IE:resa/mc-c012");
    sign(&fr3, &fr, 3, &fr2, PROTO_KIND_DECISION, &body, "valid-decision-seq3");

    /* Ireland: a policy, then a pathway. */
    mp_buf_reset(&body);
    mp_put_map(&body, 4);
    mp_put_cstr(&body, "countries");
    mp_put_array(&body, 3);
    mp_put_cstr(&body, "FR");
    mp_put_cstr(&body, "NL");
    mp_put_cstr(&body, "NO");
    mp_put_cstr(&body, "eqf_min");
    mp_put_uint(&body, 4);
    mp_put_cstr(&body, "external_qa");
    mp_put_bool(&body, true);
    mp_put_cstr(&body, "outcome");
    mp_put_cstr(&body, "full");
    sign(&ie1, &ie, 1, NULL, PROTO_KIND_POLICY, &body, "valid-policy-seq1");

    mp_buf_reset(&body);
    mp_put_map(&body, 3);
    mp_put_cstr(&body, "id");
    mp_put_cstr(&body, "IE:resa/pw-07");
    mp_put_cstr(&body, "mandatory");
    mp_put_array(&body, 1);
    mp_put_cstr(&body, "IE:resa/mc-c012");
    mp_put_cstr(&body, "min_ects");
    mp_put_uint(&body, 3000);
    sign(&ie2, &ie, 2, &ie1, PROTO_KIND_PATHWAY, &body, "valid-pathway-seq2");

    /* Norway: a revocation late in its log (a multi-byte seq), and the smallest entry. */
    mp_buf_reset(&body);
    uint8_t digest[32];
    crypto_generichash(digest, sizeof(digest), (const uint8_t *)"credential", 10, NULL, 0);
    mp_put_map(&body, 2);
    mp_put_cstr(&body, "digest");
    mp_put_bin(&body, digest, sizeof(digest));
    mp_put_cstr(&body, "reason");
    mp_put_cstr(&body, "issued in error");
    sign(&e, &no, 300, &fr3, PROTO_KIND_REVOCATION, &body, "valid-revocation-seq300");

    mp_buf_reset(&body);
    mp_put_map(&body, 0);
    sign(&e, &no, 1, NULL, PROTO_KIND_PROVIDER, &body, "valid-empty-body-seq1");

    /* Broken variants: each breaks one check of proto_entry_decode or proto_entry_verify. */
    proto_entry d1, d2;
    if (proto_entry_decode(&d1, fr1.b, fr1.len, NULL) != 0 ||
        proto_entry_decode(&d2, fr2.b, fr2.len, NULL) != 0)
        die("a signed entry does not decode");
    size_t seq_off = offset_of(&fr1, d1.author) + PROTO_KEY_BYTES;
    size_t kind_off = offset_of(&fr2, d2.body) - 1;
    size_t sig_off = offset_of(&fr2, d2.sig);

    write_patched("bad-signature", &fr2, sig_off + 10, (uint8_t)(fr2.b[sig_off + 10] ^ 0x01));
    write_patched("bad-author", &fr2, offset_of(&fr2, d2.author), (uint8_t)(d2.author[0] ^ 0x80));
    write_file("truncated", fr2.b, fr2.len - 1);
    e = fr1;
    e.b[e.len++] = 0xc0;
    write_file("trailing-nil", e.b, e.len);
    write_patched("array-of-7", &fr1, 0, 0x97);
    write_patched("version-2", &fr1, 1, 0x02);
    write_patched("seq-0", &fr1, seq_off, 0x00);
    write_patched("prev-at-seq1", &fr2, seq_off, 0x01);
    write_patched("kind-7", &fr2, kind_off, 0x07);
    write_patched("body-array", &fr2, kind_off + 1, 0x95);

    /* seq 1 written as uint8 (0xcc 0x01): the same value, a second spelling. */
    e.len = 0;
    memcpy(e.b, fr1.b, seq_off);
    e.len = seq_off;
    e.b[e.len++] = 0xcc;
    memcpy(e.b + e.len, fr1.b + seq_off, fr1.len - seq_off);
    e.len += fr1.len - seq_off;
    write_file("noncanonical-seq", e.b, e.len);

    /* A body nested deeper than MP_DEPTH_MAX. */
    mp_buf_reset(&body);
    for (int i = 0; i < MP_DEPTH_MAX + 2; i++) {
        mp_put_map(&body, 1);
        mp_put_cstr(&body, "x");
    }
    mp_put_uint(&body, 1);
    if (mp_buf_err(&body) != 0)
        die("mp_buf");
    e.len = 0;
    memcpy(e.b, fr1.b, offset_of(&fr1, d1.body));
    e.len = offset_of(&fr1, d1.body);
    memcpy(e.b + e.len, body.data, body.len);
    e.len += body.len;
    memcpy(e.b + e.len, d1.sig - 2, PROTO_SIG_BYTES + 2);
    e.len += PROTO_SIG_BYTES + 2;
    write_file("deep-body", e.b, e.len);

    mp_buf_free(&body);
    return 0;
}
