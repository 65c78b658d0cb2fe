/*
 * workload.c: the shared bench workload of workload.h: the 30 authorities' keys, the four record
 * bodies, a fast signer and the cached chains of up to 1,000,000 entries.
 *
 * The bodies are built as proto_record values and encoded with proto_record_encode, so they are
 * the canonical bodies the node itself would write; the entry around them is written field by
 * field with mp_put_* and signed over the same tagged BLAKE2b digest as proto_entry_sign. The
 * cache file is a plain dump: the entry count (uint64_t), the blob's size (size_t), the blob,
 * then the off and len arrays (size_t each), in the machine's byte order: a cache is for the
 * machine that wrote it.
 */
#include "workload.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "proto/entry.h"
#include "proto/mp.h"
#include "proto/record.h"
#include "tests/support/rng.h"

#define TS_BASE_MS    1764000000000ull /* entry seq s is stamped TS_BASE_MS + s */
#define VALID_FROM_MS 1735689600000ull /* 2025-01-01, every record's valid_from */
#define POLL_EVERY    0xffffu          /* workload_chains_load polls when (i & POLL_EVERY) == 0 */
#define GUESS_BYTES   400u             /* blob bytes allocated per entry at first */

const char *const workload_countries[WORKLOAD_AUTHORS] = {
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void workload_keys_derive(workload_keys *k)
{
    for (int a = 0; a < WORKLOAD_AUTHORS; a++) {
        char label[64];
        snprintf(label, sizeof(label), "recnet bench authority %s", workload_countries[a]);
        crypto_generichash(k->seed[a], 32, (const uint8_t *)label, strlen(label), NULL, 0);
        crypto_sign_seed_keypair(k->pk[a], k->sk[a], k->seed[a]);
    }
}

int workload_kind_of(uint64_t seq)
{
    return seq <= 50       ? PROTO_KIND_PROVIDER
           : seq == 51     ? PROTO_KIND_POLICY
           : seq % 10 == 0 ? PROTO_KIND_DECISION
                           : PROTO_KIND_SPEC;
}

uint64_t workload_question_next(uint64_t *x, uint64_t per_author, int *c)
{
    (void)test_xorshift64_next(x);
    *c = (int)(*x % WORKLOAD_AUTHORS);
    uint64_t sq = 52 + (*x >> 8) % (per_author - 60);
    while (workload_kind_of(sq) != PROTO_KIND_SPEC)
        sq++;
    return sq;
}

/* Encodes `r` into `out` (WORKLOAD_ENTRY_BYTES_MAX bytes) and returns its length. */
static size_t encode(const proto_record *r, uint8_t *out)
{
    mp_buf b;
    mp_buf_init(&b, WORKLOAD_ENTRY_BYTES_MAX);
    int rc = proto_record_encode(r, &b);
    RN_ASSERT(rc == 0 && mp_buf_err(&b) == 0);
    size_t n = b.len;
    memcpy(out, b.data, n);
    mp_buf_free(&b);
    return n;
}

size_t workload_provider_body(int a, uint64_t seq, uint8_t *out)
{
    char id[32], name[64];
    snprintf(id, sizeof(id), "%s:provider-%02d", workload_countries[a], (int)(seq - 1));
    snprintf(name, sizeof(name), "Awarding body %d of %s", (int)(seq - 1), workload_countries[a]);
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_PROVIDER;
    proto_provider *p = &r.u.provider;
    p->id = proto_str_c(id);
    p->legal_name = proto_str_c(name);
    p->country = proto_str_c(workload_countries[a]);
    p->qa_status = 1;
    p->qa_body = proto_str_c("National quality assurance agency");
    p->status = 1;
    return encode(&r, out);
}

size_t workload_decision_body(int a, uint64_t seq, uint8_t *out)
{
    char id[64], spec[64];
    snprintf(id, sizeof(id), "%s:decisions/%06" PRIu64, workload_countries[a], seq);
    snprintf(spec, sizeof(spec), "%s:registry/mc-%06" PRIu64,
             workload_countries[(a + 1) % WORKLOAD_AUTHORS], seq - 1);
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_DECISION;
    proto_decision *d = &r.u.decision;
    d->id = proto_str_c(id);
    d->spec = proto_str_c(spec);
    d->purpose = 3;
    d->outcome = seq % 30 == 0 ? 2 : 1;
    if (d->outcome == 2) {
        d->differences_n = 1;
        d->differences[0].type = 2;
        d->differences[0].note = proto_str_c("Workload below the national reference.");
    }
    d->valid_from_ms = VALID_FROM_MS;
    return encode(&r, out);
}

size_t workload_policy_body(int a, uint8_t *out)
{
    char id[64];
    snprintf(id, sizeof(id), "%s:policies/eqf6-7-ict", workload_countries[a]);
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_POLICY;
    proto_policy *p = &r.u.policy;
    p->id = proto_str_c(id);
    p->purpose = 3;
    p->outcome = 1;
    p->eqf_min = 6;
    p->eqf_max = 7;
    p->external_qa = true;
    p->isced_prefixes_n = 1;
    p->isced_prefixes[0] = proto_str_c("05");
    p->valid_from_ms = VALID_FROM_MS;
    p->status = 1;
    return encode(&r, out);
}

size_t workload_spec_body_id(int a, const char *id, uint64_t seq, uint8_t *out)
{
    char prov[32], title[96];
    snprintf(prov, sizeof(prov), "%s:provider-%02d", workload_countries[a], (int)(seq % 50));
    snprintf(title, sizeof(title), "Data analysis for public administration, module %" PRIu64, seq);
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_SPEC;
    proto_spec *s = &r.u.spec;
    s->id = proto_str_c(id);
    s->provider = proto_str_c(prov);
    s->title_n = 1;
    s->title[0].lang = proto_str_c("en");
    s->title[0].text = proto_str_c(title);
    s->outcomes_n = 1;
    s->outcomes[0].text =
        proto_str_c("Apply descriptive statistics to open government data and report findings.");
    s->ects_centi = (uint32_t)(100 + seq % 500);
    s->eqf = (uint32_t)(4 + seq % 4);
    s->isced = proto_str_c("0542");
    s->assessment = 1;
    s->participation = 1;
    s->qa_type = 2;
    s->languages_n = 1;
    s->languages[0] = proto_str_c("en");
    s->supervision = 3;
    s->stackability = 1;
    s->valid_from_ms = VALID_FROM_MS;
    s->status = 1;
    return encode(&r, out);
}

size_t workload_spec_body(int a, uint64_t seq, uint8_t *out)
{
    char id[64];
    snprintf(id, sizeof(id), "%s:registry/mc-%06" PRIu64, workload_countries[a], seq);
    return workload_spec_body_id(a, id, seq, out);
}

size_t workload_entry_sign(const workload_keys *k, int a, uint64_t seq, const uint8_t *prev,
                           uint64_t ts, int kind, const uint8_t *body, size_t blen, uint8_t *out)
{
    mp_buf b;
    mp_buf_init(&b, WORKLOAD_ENTRY_BYTES_MAX);
    mp_put_array(&b, 8);
    mp_put_uint(&b, 1);
    mp_put_bin(&b, k->pk[a], 32);
    mp_put_uint(&b, seq);
    if (prev == NULL)
        mp_put_nil(&b);
    else
        mp_put_bin(&b, prev, 32);
    mp_put_uint(&b, ts);
    mp_put_uint(&b, (uint64_t)kind);
    mp_buf_raw(&b, body, blen);
    /* The signed digest covers the entry as a 7-element array (0x97): all but the signature. */
    uint8_t h[32], msg[PROTO_ENTRY_SIG_TAG_LEN + 32], sig[64], hdr = 0x97;
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, &hdr, 1);
    crypto_generichash_update(&st, b.data + 1, b.len - 1);
    crypto_generichash_final(&st, h, 32);
    memcpy(msg, PROTO_ENTRY_SIG_TAG, PROTO_ENTRY_SIG_TAG_LEN);
    memcpy(msg + PROTO_ENTRY_SIG_TAG_LEN, h, 32);
    crypto_sign_detached(sig, NULL, msg, sizeof(msg), k->sk[a]);
    mp_put_bin(&b, sig, 64);
    RN_ASSERT(mp_buf_err(&b) == 0);
    size_t n = b.len;
    memcpy(out, b.data, n);
    mp_buf_free(&b);
    return n;
}

/* Reads `c->total` entries from the cache file `cache` into `c` (whose off and len are
 * allocated). Returns true if the file held exactly that many. */
static bool cache_read(workload_chains *c, const char *cache)
{
    FILE *fp = fopen(cache, "rb");
    if (fp == NULL)
        return false;
    uint64_t have = 0;
    size_t bytes = 0, total = c->total;
    bool ok = fread(&have, sizeof(have), 1, fp) == 1 && have == total &&
              fread(&bytes, sizeof(bytes), 1, fp) == 1 && bytes <= total * WORKLOAD_ENTRY_BYTES_MAX;
    if (ok) {
        c->blob = malloc(bytes);
        ok = c->blob != NULL && fread(c->blob, 1, bytes, fp) == bytes &&
             fread(c->off, sizeof(*c->off), total, fp) == total &&
             fread(c->len, sizeof(*c->len), total, fp) == total;
        if (ok) {
            c->bytes = bytes;
        } else {
            free(c->blob);
            c->blob = NULL;
        }
    }
    fclose(fp);
    return ok;
}

/* Writes `c` to the cache file `cache`; a failure leaves a file the next run does not accept or
 * no file at all, and the next run signs again. */
static void cache_write(const workload_chains *c, const char *cache)
{
    FILE *fp = fopen(cache, "wb");
    if (fp == NULL)
        return;
    uint64_t t = c->total;
    fwrite(&t, sizeof(t), 1, fp);
    fwrite(&c->bytes, sizeof(c->bytes), 1, fp);
    fwrite(c->blob, 1, c->bytes, fp);
    fwrite(c->off, sizeof(*c->off), c->total, fp);
    fwrite(c->len, sizeof(*c->len), c->total, fp);
    fclose(fp);
}

/* Signs `c->total` entries into `c` (whose off and len are allocated). Returns 0 or RN_ENOMEM. */
static int chains_sign(workload_chains *c, const workload_keys *k, void (*poll)(void))
{
    size_t cap = c->total * GUESS_BYTES, used = 0;
    c->blob = malloc(cap);
    if (c->blob == NULL)
        return RN_ENOMEM;
    uint8_t prev[WORKLOAD_AUTHORS][32], body[WORKLOAD_ENTRY_BYTES_MAX];
    uint64_t seq[WORKLOAD_AUTHORS] = { 0 };
    for (size_t i = 0; i < c->total; i++) {
        if (poll != NULL && (i & POLL_EVERY) == 0)
            poll();
        int a = (int)((i / WORKLOAD_RUN) % WORKLOAD_AUTHORS);
        uint64_t s = ++seq[a];
        int kind = workload_kind_of(s);
        size_t bl = kind == PROTO_KIND_PROVIDER   ? workload_provider_body(a, s, body)
                    : kind == PROTO_KIND_POLICY   ? workload_policy_body(a, body)
                    : kind == PROTO_KIND_DECISION ? workload_decision_body(a, s, body)
                                                  : workload_spec_body(a, s, body);
        if (used + WORKLOAD_ENTRY_BYTES_MAX > cap) {
            cap *= 2;
            uint8_t *p = realloc(c->blob, cap);
            if (p == NULL)
                return RN_ENOMEM;
            c->blob = p;
        }
        c->len[i] = workload_entry_sign(k, a, s, s == 1 ? NULL : prev[a], TS_BASE_MS + s, kind,
                                        body, bl, c->blob + used);
        c->off[i] = used;
        proto_entry_id(c->blob + used, c->len[i], prev[a]);
        used += c->len[i];
    }
    c->bytes = used;
    return 0;
}

int workload_chains_load(workload_chains *c, const workload_keys *k, size_t total,
                         const char *cache, void (*poll)(void))
{
    RN_ASSERT(total % WORKLOAD_RUN == 0);
    memset(c, 0, sizeof(*c));
    c->total = total;
    c->off = malloc(total * sizeof(*c->off));
    c->len = malloc(total * sizeof(*c->len));
    if (c->off == NULL || c->len == NULL) {
        workload_chains_free(c);
        return RN_ENOMEM;
    }
    if (cache_read(c, cache)) {
        printf("  (signed entries read from %s)\n", cache);
        return 0;
    }
    printf("  signing %zu entries once (cached in %s for later runs)...\n", total, cache);
    fflush(stdout);
    double t0 = now_s();
    int rc = chains_sign(c, k, poll);
    if (rc != 0) {
        workload_chains_free(c);
        return rc;
    }
    printf("  signed in %.1f s\n", now_s() - t0);
    cache_write(c, cache);
    return 0;
}

void workload_chains_run(const workload_chains *c, size_t r, proto_str *run)
{
    RN_ASSERT(r < c->total / WORKLOAD_RUN);
    for (size_t j = 0; j < WORKLOAD_RUN; j++) {
        run[j].ptr = c->blob + c->off[r * WORKLOAD_RUN + j];
        run[j].len = (uint32_t)c->len[r * WORKLOAD_RUN + j];
    }
}

void workload_chains_free(workload_chains *c)
{
    free(c->blob);
    free(c->off);
    free(c->len);
    memset(c, 0, sizeof(*c));
}
