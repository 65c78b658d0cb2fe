/*
 * gen_corpus_proof.c: writes the seed corpus of the proof harness (tests/fuzz/corpus/proof/).
 *
 * The seeds are real bundles over the federation of proof_fixture.h (fixed seeds, deterministic
 * signatures, so the same bytes on every run): one of each kind of answer that verifies, and a few
 * that fail at each step of verification (a tampered entry, an outsider's entry, a wrong outcome,
 * a policy that does not match, a missing provider, trailing bytes, a truncation), so that the
 * fuzzer starts from inputs that reach deep into proto_proof_verify.
 *
 * Not run by the tests. Regenerate with:
 *     build/tests/fuzz/gen_corpus_proof tests/fuzz/corpus/proof
 * and commit the result; see tests/fuzz/README.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proof_fixture.h"

static const char *outdir;
static pf_world W;

static void write_file(const char *name, const uint8_t *p, size_t len)
{
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/%s", outdir, name);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        fprintf(stderr, "gen_corpus_proof: path too long\n");
        exit(1);
    }
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "gen_corpus_proof: cannot write %s\n", path);
        exit(1);
    }
}

/* Writes the bundle of `n` entries; `mangle` (may be NULL) edits the bytes first. */
static void bundle(const char *name, const proto_proof_query *q, const proto_proof_answer *a,
                   const pf_entry *const *entries, uint32_t n, void (*mangle)(mp_buf *b))
{
    mp_buf b;
    mp_buf_init(&b, RN_PROOF_BYTES_MAX + 1);
    RN_ASSERT(pf_bundle(&b, q, a, entries, n) == 0);
    if (mangle != NULL)
        mangle(&b);
    write_file(name, b.data, b.len);
    mp_buf_free(&b);
}

static void flip_last(mp_buf *b)
{
    b->data[b->len - 1] ^= 1;
}

static void add_trailing(mp_buf *b)
{
    mp_put_nil(b);
}

static void truncate_half(mp_buf *b)
{
    b->len /= 2;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_corpus_proof <output directory>\n");
        return 2;
    }
    outdir = argv[1];
    if (sodium_init() < 0)
        return 1;
    pf_world_build(&W);

    proto_proof_query q = pf_query();
    proto_proof_answer dec = pf_answer(PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL, &W.decision);
    proto_proof_answer pol = pf_answer(PROTO_RESULT_AUTOMATIC, PROTO_OUTCOME_FULL, &W.policy);
    proto_proof_answer none = pf_answer(PROTO_RESULT_NO_DECISION, 0, NULL);
#define E(...) ((const pf_entry *const[]){ __VA_ARGS__ })

    bundle("valid-decision", &q, &dec, E(&W.decision, &W.spec, &W.provider), 3, NULL);
    bundle("valid-automatic", &q, &pol, E(&W.policy, &W.spec, &W.provider), 3, NULL);
    bundle("valid-no-decision", &q, &none, E(&W.spec, &W.provider), 2, NULL);
    /* A bitemporal question: known at the fixture's time, valid at an earlier one. */
    proto_proof_query qv = q;
    qv.has_valid_at = true;
    qv.valid_at_ms = PF_T_2024_09_01;
    bundle("valid-valid-at", &qv, &dec, E(&W.decision, &W.spec, &W.provider), 3, NULL);
    proto_proof_query qc = q;
    qc.credential = W.credential;
    proto_proof_answer rev = dec;
    rev.has_revoked = true;
    rev.revoked = true;
    bundle("valid-revoked", &qc, &rev, E(&W.decision, &W.spec, &W.provider, &W.revocation), 4,
           NULL);

    bundle("bad-signature", &q, &dec, E(&W.decision, &W.spec, &W.provider), 3, flip_last);
    bundle("trailing-nil", &q, &dec, E(&W.decision, &W.spec, &W.provider), 3, add_trailing);
    bundle("truncated", &q, &dec, E(&W.decision, &W.spec, &W.provider), 3, truncate_half);
    bundle("outsider", &q, &none, E(&W.outsider_spec, &W.provider), 2, NULL);
    proto_proof_answer wrong = pf_answer(PROTO_RESULT_DECISION, PROTO_OUTCOME_DENIED, &W.decision);
    bundle("wrong-outcome", &q, &wrong, E(&W.decision, &W.spec, &W.provider), 3, NULL);
    proto_proof_answer other =
        pf_answer(PROTO_RESULT_AUTOMATIC, PROTO_OUTCOME_FULL, &W.policy_other_field);
    bundle("policy-no-match", &q, &other, E(&W.policy_other_field, &W.spec, &W.provider), 3, NULL);
    bundle("missing-provider", &q, &dec, E(&W.decision, &W.spec), 2, NULL);
    proto_proof_answer expired =
        pf_answer(PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL, &W.decision_expired);
    bundle("expired-decision", &q, &expired, E(&W.decision_expired, &W.spec, &W.provider), 3, NULL);
    return 0;
}
