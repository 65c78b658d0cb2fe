/*
 * statuslist_test.c: a provider's revocations as the bits of its status list
 * (store/statuslist.h), on small replicas written with store_append: a revocation with an index
 * sets its bit from its entry's time and its revoked_at on, a later version of the same
 * revocation replaces its index, one dated after the question or without an index sets nothing,
 * another provider's sets nothing in this one's list; then a reference model (a plain list of the
 * revocations published, evaluated by PROTOCOL.md 14.1's rule) against the store on random
 * histories, each failure printing its seed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "store/statuslist.h"
#include "store/store.h"
#include "tests/support/rng.h"

#include "testutil.h"

#define T1 1704067200000ull /* 2024-01-01 */
#define H  3600000ull       /* an hour */

typedef struct world {
    char dir[64];
    store s;
    uint8_t ie_pk[PROTO_KEY_BYTES], ie_sk[PROTO_SK_BYTES];
    uint8_t fr_pk[PROTO_KEY_BYTES], fr_sk[PROTO_SK_BYTES];
} world;

static int setup(void **state)
{
    world *w = calloc(1, sizeof(*w));
    proto_roster ro;
    uint8_t seed[crypto_sign_SEEDBYTES];
    if (w == NULL || sodium_init() < 0)
        return -1;
    snprintf(w->dir, sizeof(w->dir), "/tmp/statuslist_test.XXXXXX");
    if (mkdtemp(w->dir) == NULL || store_open(&w->s, w->dir, NULL) != 0)
        return -1;
    memset(seed, 'I', sizeof(seed));
    crypto_sign_seed_keypair(w->ie_pk, w->ie_sk, seed);
    memset(seed, 'F', sizeof(seed));
    crypto_sign_seed_keypair(w->fr_pk, w->fr_sk, seed);
    if (proto_roster_init(&ro, 4) != 0 ||
        proto_roster_add(&ro, "IE", 2, PROTO_ROLE_AUTHORITY, w->ie_pk) != 0 ||
        proto_roster_add(&ro, "FR", 2, PROTO_ROLE_AUTHORITY, w->fr_pk) != 0 ||
        store_roster_set(&w->s, &ro) != 0)
        return -1;
    proto_roster_free(&ro);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world *w = *state;
    store_close(&w->s);
    int rc = test_rmtree(w->dir);
    free(w);
    return rc;
}

/* Publishes a revocation by `sk` stamped ts. index < 0: none (record form 1). */
static void revoke(world *w, const uint8_t *sk, uint64_t ts, const char *provider, uint8_t which,
                   uint64_t revoked_at, long index)
{
    uint8_t digest[PROTO_DIGEST_BYTES];
    memset(digest, which, sizeof(digest));
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_REVOCATION;
    r.u.revocation.credential = digest;
    r.u.revocation.provider = proto_str_c(provider);
    r.u.revocation.reason = PROTO_REASON_FRAUD;
    r.u.revocation.revoked_at_ms = revoked_at;
    if (index >= 0) {
        r.u.revocation.has_status_index = true;
        r.u.revocation.status_index = (uint32_t)index;
    }
    mp_buf b;
    mp_buf_init(&b, RN_RECORD_BYTES_MAX);
    assert_int_equal(proto_record_encode(&r, &b), 0);
    assert_int_equal(store_append(&w->s, sk, r.kind, b.data, b.len, ts, NULL, NULL, NULL, NULL), 0);
    mp_buf_free(&b);
}

static bool bit(const uint8_t *bits, uint32_t i)
{
    return (((unsigned)bits[i / 8u] >> (7u - i % 8u)) & 1u) != 0;
}

static size_t popcount(const uint8_t *bits)
{
    size_t n = 0;
    for (size_t i = 0; i < STORE_STATUS_BYTES; i++)
        n += (size_t)__builtin_popcount(bits[i]);
    return n;
}

/* The list of `provider` as of at, with its counts. */
static int list_at(world *w, const char *provider, uint64_t at, uint8_t *bits,
                   store_status_counts *k)
{
    store_read r;
    assert_int_equal(store_query_begin(&w->s, &r), 0);
    int rc = store_status_bits(&r, proto_str_c(provider), at, bits, k);
    store_read_end(&r);
    return rc;
}

static void test_rules(void **state)
{
    world *w = *state;
    uint8_t *bits = malloc(STORE_STATUS_BYTES);
    store_status_counts k;
    assert_non_null(bits);
    /* Nothing yet: a list of zeros, and a provider of a country without an authority too. */
    assert_int_equal(list_at(w, "IE:zed", UINT64_MAX >> 1, bits, &k), 0);
    assert_int_equal(popcount(bits), 0);
    assert_int_equal(k.revocations, 0);
    assert_int_equal(list_at(w, "DE:x", T1, bits, NULL), 0);
    assert_int_equal(list_at(w, "zed", T1, bits, NULL), RN_EID);

    revoke(w, w->ie_sk, T1, "IE:zed", 1, T1, 0);                       /* index 0, the first bit */
    revoke(w, w->ie_sk, T1 + H, "IE:zed", 2, T1, RN_STATUS_INDEX_MAX); /* the last bit */
    revoke(w, w->ie_sk, T1 + 2 * H, "IE:zed", 3, T1 + 10 * H, 77);     /* in force at T1 + 10 h */
    revoke(w, w->ie_sk, T1 + 3 * H, "IE:zed", 4, T1, -1);              /* no index */
    revoke(w, w->ie_sk, T1 + 4 * H, "IE:other", 5, T1, 5);             /* another provider */
    revoke(w, w->ie_sk, T1 + 5 * H, "IE:zed", 6, T1, 500);
    revoke(w, w->ie_sk, T1 + 6 * H, "IE:zed", 6, T1, 501); /* replaces 500 */
    revoke(w, w->ie_sk, T1 + 7 * H, "IE:zed", 7, T1, 0);   /* index 0 again */
    revoke(w, w->fr_sk, T1, "FR:zed", 1, T1, 9);

    /* Before the first entry: nothing. */
    assert_int_equal(list_at(w, "IE:zed", T1 - 1, bits, &k), 0);
    assert_int_equal(popcount(bits), 0);
    /* At T1: index 0 only. */
    assert_int_equal(list_at(w, "IE:zed", T1, bits, &k), 0);
    assert_true(bit(bits, 0));
    assert_int_equal(popcount(bits), 1);
    assert_int_equal(k.revocations, 1);
    assert_int_equal(k.last_seq, 1);
    /* At T1 + 5 h: 0, the last, 500; 77 not yet in force; the unindexed one counted apart. */
    assert_int_equal(list_at(w, "IE:zed", T1 + 5 * H, bits, &k), 0);
    assert_true(bit(bits, 0) && bit(bits, RN_STATUS_INDEX_MAX) && bit(bits, 500));
    assert_false(bit(bits, 77) || bit(bits, 5) || bit(bits, 501));
    assert_int_equal(popcount(bits), 3);
    assert_int_equal(k.revocations, 4);
    assert_int_equal(k.indexed, 3);
    assert_int_equal(k.set, 3);
    /* At T1 + 10 h: 500 replaced by 501, 77 in force, 0 named twice. */
    assert_int_equal(list_at(w, "IE:zed", T1 + 10 * H, bits, &k), 0);
    assert_true(bit(bits, 0) && bit(bits, RN_STATUS_INDEX_MAX) && bit(bits, 501) && bit(bits, 77));
    assert_false(bit(bits, 500));
    assert_int_equal(popcount(bits), 4);
    assert_int_equal(k.revocations, 6);
    assert_int_equal(k.indexed, 5);
    assert_int_equal(k.set, 4);
    /* Another provider of the same authority, and another country's. */
    assert_int_equal(list_at(w, "IE:other", T1 + 10 * H, bits, &k), 0);
    assert_true(bit(bits, 5));
    assert_int_equal(popcount(bits), 1);
    assert_int_equal(list_at(w, "FR:zed", T1 + 10 * H, bits, &k), 0);
    assert_true(bit(bits, 9));
    assert_int_equal(popcount(bits), 1);
    free(bits);
}

/* ---- The reference model ---- */

#define MODEL_REVOCATIONS 120
#define MODEL_DIGESTS     24
#define MODEL_INDEXES     40

typedef struct model_rev {
    uint64_t ts;
    uint8_t which;
    bool own; /* of the provider asked about */
    uint64_t revoked_at;
    long index;
} model_rev;

static uint64_t below(uint64_t *g, uint64_t n)
{
    return test_rng_next(g) % n;
}

/* PROTOCOL.md 14.1 and 3.9 by hand: for each credential, its latest version as of at (entries in
 * publication order: timestamps never decrease, so the last one stamped <= at). */
static void model_bits(const model_rev *m, size_t n, uint64_t at, uint8_t *bits)
{
    memset(bits, 0, STORE_STATUS_BYTES);
    for (uint8_t d = 0; d < MODEL_DIGESTS; d++) {
        const model_rev *latest = NULL;
        for (size_t i = 0; i < n; i++)
            if (m[i].own && m[i].which == d && m[i].ts <= at)
                latest = &m[i];
        if (latest != NULL && latest->revoked_at <= at && latest->index >= 0)
            bits[latest->index / 8] |= (uint8_t)(0x80u >> (latest->index % 8));
    }
}

static void test_model(void **state)
{
    world *w = *state;
    /* RN_SEED=<n> replays a seed; the default is fixed, so that a run is repeatable. */
    const char *env = getenv("RN_SEED");
    uint64_t seed = env != NULL ? strtoull(env, NULL, 10) : 20261202u;
    uint64_t g = seed;
    fprintf(stderr, "statuslist_test: seed %llu\n", (unsigned long long)seed);
    model_rev *m = calloc(MODEL_REVOCATIONS, sizeof(*m));
    uint8_t *want = malloc(STORE_STATUS_BYTES), *got = malloc(STORE_STATUS_BYTES);
    assert_true(m != NULL && want != NULL && got != NULL);
    uint64_t ts = T1;
    for (size_t i = 0; i < MODEL_REVOCATIONS; i++) {
        ts += below(&g, 3) * H; /* some share a timestamp */
        m[i].ts = ts;
        m[i].which = (uint8_t)below(&g, MODEL_DIGESTS);
        m[i].own = below(&g, 4) != 0;
        m[i].revoked_at = T1 + below(&g, 200) * H;
        m[i].index = below(&g, 6) == 0 ? -1 : (long)below(&g, MODEL_INDEXES);
        revoke(w, w->ie_sk, m[i].ts, m[i].own ? "IE:model" : "IE:model2", m[i].which,
               m[i].revoked_at, m[i].index);
    }
    size_t windows = 0;
    for (uint64_t at = T1 - H; at <= ts + 2 * H; at += H) {
        store_status_counts k;
        model_bits(m, MODEL_REVOCATIONS, at, want);
        assert_int_equal(list_at(w, "IE:model", at, got, &k), 0);
        if (memcmp(want, got, STORE_STATUS_BYTES) != 0) {
            print_error("statuslist model: differs at %llu; replay with RN_SEED=%llu\n",
                        (unsigned long long)at, (unsigned long long)seed);
            fail();
        }
        /* The window in which the same bits hold: its ends, by the model. */
        assert_true(k.same_from_ms <= at && at < k.same_until_ms);
        assert_int_equal(k.head_seq, MODEL_REVOCATIONS);
        uint64_t last = k.same_until_ms == UINT64_MAX ? at + 1000 * H : k.same_until_ms - 1;
        const uint64_t ends[] = { k.same_from_ms, last };
        for (size_t e = 0; e < 2; e++) {
            model_bits(m, MODEL_REVOCATIONS, ends[e], got);
            if (memcmp(want, got, STORE_STATUS_BYTES) != 0) {
                print_error("statuslist model: window [%llu, %llu) of %llu wrong at %llu; replay "
                            "with RN_SEED=%llu\n",
                            (unsigned long long)k.same_from_ms, (unsigned long long)k.same_until_ms,
                            (unsigned long long)at, (unsigned long long)ends[e],
                            (unsigned long long)seed);
                fail();
            }
        }
        /* ... and just past the end, something differs (the window is as long as it can be,
         * unless the change is of a revocation without an index or of another provider's). */
        if (k.same_until_ms != UINT64_MAX) {
            model_bits(m, MODEL_REVOCATIONS, k.same_until_ms, got);
            windows += memcmp(want, got, STORE_STATUS_BYTES) != 0 ? 1u : 0u;
        }
    }
    assert_true(windows > 0);
    assert_true(popcount(want) > 0);
    free(m);
    free(want);
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_model, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
