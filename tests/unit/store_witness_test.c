/*
 * store_witness_test.c: the witness state of a replica (store/witness.c; store.h, "Witness
 * state"): the heads a node cosigned survive a reopen (the witness rule depends on never
 * forgetting them), its own checkpoints and the evidence are kept per slot, and every bound and
 * refusal of the API holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/limits.h"
#include "store/store.h"

typedef struct fixture {
    char dir[64];
    store s;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/recnet-witness-test.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    assert_int_equal(store_open(&f->s, f->dir, NULL), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[128];
    store_close(&f->s);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static void head_make(store_witness_head *h, uint8_t a, uint64_t seq)
{
    memset(h, 0, sizeof(*h));
    memset(h->author, a, PROTO_KEY_BYTES);
    h->seq = seq;
    memset(h->id, (uint8_t)(a ^ seq), PROTO_ID_BYTES);
}

static void test_heads(void **state)
{
    fixture *f = *state;
    store_witness_head in[3], out[4];
    size_t n = 99;
    /* A replica written before the witness database existed: nothing cosigned, nothing created. */
    assert_int_equal(store_witness_heads_load(&f->s, out, 4, &n), 0);
    assert_int_equal(n, 0);
    head_make(&in[0], 0x30, 7);
    head_make(&in[1], 0x10, 1);
    head_make(&in[2], 0x20, RN_SEQ_MAX);
    assert_int_equal(store_witness_heads_put(&f->s, in, 3), 0);
    /* A later head of one author replaces the earlier one. */
    head_make(&in[0], 0x10, 5);
    assert_int_equal(store_witness_heads_put(&f->s, in, 1), 0);

    /* After a reopen (a restart), in author order. */
    store_close(&f->s);
    assert_int_equal(store_open(&f->s, f->dir, NULL), 0);
    assert_int_equal(store_witness_heads_load(&f->s, out, 4, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(out[0].author[0], 0x10);
    assert_int_equal(out[0].seq, 5);
    assert_int_equal(out[0].id[0], (uint8_t)(0x10 ^ 5));
    assert_int_equal(out[1].author[0], 0x20);
    assert_int_equal(out[1].seq, RN_SEQ_MAX);
    assert_int_equal(out[2].author[0], 0x30);
    assert_int_equal(out[2].seq, 7);
    /* At most cap are read. */
    assert_int_equal(store_witness_heads_load(&f->s, out, 2, &n), 0);
    assert_int_equal(n, 2);
}

static void test_own_and_evidence(void **state)
{
    fixture *f = *state;
    uint8_t buf[64], cp[40];
    size_t len = 0;
    memset(cp, 0x93, sizeof(cp));
    assert_int_equal(store_checkpoint_own_get(&f->s, 0, buf, sizeof(buf), &len), RN_ENOTFOUND);
    assert_int_equal(store_checkpoint_own_put(&f->s, 2, cp, sizeof(cp)), 0);
    assert_int_equal(store_checkpoint_own_get(&f->s, 2, buf, sizeof(buf), &len), 0);
    assert_int_equal(len, sizeof(cp));
    assert_memory_equal(buf, cp, sizeof(cp));
    assert_int_equal(store_checkpoint_own_get(&f->s, 1, buf, sizeof(buf), &len), RN_ENOTFOUND);
    /* Bounds: slots, sizes, a buffer too small. */
    assert_int_equal(store_checkpoint_own_put(&f->s, STORE_CHECKPOINTS_OWN_MAX, cp, 1), RN_EINVAL);
    assert_int_equal(store_checkpoint_own_put(&f->s, 0, cp, 0), RN_EINVAL);
    assert_int_equal(store_checkpoint_own_put(&f->s, 0, cp, RN_CHECKPOINT_BYTES_MAX + 1u),
                     RN_EINVAL);
    assert_int_equal(store_checkpoint_own_get(&f->s, STORE_CHECKPOINTS_OWN_MAX, buf, 64, &len),
                     RN_EINVAL);
    assert_int_equal(store_checkpoint_own_get(&f->s, 2, buf, sizeof(cp) - 1u, &len), RN_ETOOBIG);

    /* Evidence: one slot per number modulo the bound, the newest number in it. */
    assert_int_equal(store_witness_evidence_put(&f->s, 1, cp, 10), 0);
    assert_int_equal(store_witness_evidence_get(&f->s, 1, buf, sizeof(buf), &len), 0);
    assert_int_equal(len, 10);
    assert_int_equal(store_witness_evidence_put(&f->s, 1 + STORE_WITNESS_EVIDENCE_MAX, cp, 12), 0);
    assert_int_equal(store_witness_evidence_get(&f->s, 1, buf, sizeof(buf), &len), RN_ENOTFOUND);
    assert_int_equal(
        store_witness_evidence_get(&f->s, 1 + STORE_WITNESS_EVIDENCE_MAX, buf, sizeof(buf), &len),
        0);
    assert_int_equal(len, 12);
    assert_int_equal(store_witness_evidence_get(&f->s, 2, buf, sizeof(buf), &len), RN_ENOTFOUND);
    assert_int_equal(store_witness_evidence_put(&f->s, 3, cp, 0), RN_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_heads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_own_and_evidence, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
