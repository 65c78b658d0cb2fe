/*
 * proof_cli_test.c: `recnetctl proof verify FILE --genesis GENESIS [--change CHANGE]...`, a proof
 * bundle checked offline against a governed roster (PROTOCOL.md 4.4 and 5.4), in-process through
 * cli_main. The federation is the proof fixture's (IE, FR, DE authorities and a mirror); France's
 * key is then replaced, as planned or as compromised.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"
#include "proto/rosterchain.h"
#include "tests/fuzz/proof_fixture.h"
#include "testutil.h"

static char tmp[64];
static pf_world W;

static int run(const char *first, ...)
{
    char *argv[32];
    int argc = 0;
    va_list ap;
    argv[argc++] = (char *)"recnetctl";
    va_start(ap, first);
    for (const char *s = first; s != NULL && argc < 31; s = va_arg(ap, const char *))
        argv[argc++] = (char *)s;
    va_end(ap);
    argv[argc] = NULL;
    fflush(stdout);
    return cli_main(argc, argv);
}

static void write_bytes(const char *path, const uint8_t *b, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, len, f), len);
    fclose(f);
}

/* Writes the genesis of the fixture's roster to `gpath` and starts `ch` from it. */
static void genesis(proto_rosterchain *ch, const char *gpath)
{
    proto_roster r;
    mp_buf g;
    rn_diag d;
    pf_roster_build(&W, &r);
    mp_buf_init(&g, RN_ROSTERCHAIN_GENESIS_BYTES_MAX);
    assert_int_equal(
        proto_rosterchain_genesis_encode("proof cli test", 14, 0, PF_T_2023_01_02, &r, &g), 0);
    write_bytes(gpath, g.data, g.len);
    assert_int_equal(proto_rosterchain_init(ch, g.data, g.len, &d), 0);
    mp_buf_free(&g);
    proto_roster_free(&r);
}

/* Writes the change replacing France's key (type 4 or 5) to `cpath`. */
static void fr_rotation(proto_rosterchain *ch, proto_rc_optype type, uint64_t last_seq,
                        const uint8_t *last_id, const char *cpath)
{
    pf_author fr2;
    mp_buf b;
    proto_rc_change *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    pf_author_init(&fr2, 'G');
    assert_int_equal(proto_rosterchain_change_start(ch, PF_T_2025_03_01 + PF_DAY_MS, c), 0);
    c->ops_n = 1;
    c->ops[0].type = type;
    memcpy(c->ops[0].key, W.fr.pk, PROTO_KEY_BYTES);
    memcpy(c->ops[0].new_key, fr2.pk, PROTO_KEY_BYTES);
    c->ops[0].last_seq = last_seq;
    if (last_seq > 0)
        memcpy(c->ops[0].last_id, last_id, PROTO_ID_BYTES);
    if (type == PROTO_RC_ROTATE)
        assert_int_equal(proto_rosterchain_change_sign(c, W.fr.sk, W.fr.pk), 0);
    assert_int_equal(proto_rosterchain_change_sign(c, W.ie.sk, W.ie.pk), 0);
    assert_int_equal(proto_rosterchain_change_sign(c, W.de.sk, W.de.pk), 0);
    mp_buf_init(&b, RN_ROSTERCHAIN_CHANGE_BYTES_MAX);
    assert_int_equal(proto_rosterchain_change_encode(c, &b), 0);
    write_bytes(cpath, b.data, b.len);
    mp_buf_free(&b);
    free(c);
}

static void test_proof_verify_chain(void **state)
{
    (void)state;
    char bundle[128], gpath[128], planned[128], lost[128], kept[128], inline_opt[160];
    proto_rosterchain ch;
    uint8_t decision_id[PROTO_ID_BYTES];
    mp_buf b;
    snprintf(bundle, sizeof(bundle), "%s/proof.bin", tmp);
    snprintf(gpath, sizeof(gpath), "%s/genesis.bin", tmp);
    snprintf(planned, sizeof(planned), "%s/v2-planned.bin", tmp);
    snprintf(lost, sizeof(lost), "%s/v2-compromised-0.bin", tmp);
    snprintf(kept, sizeof(kept), "%s/v2-compromised-1.bin", tmp);

    /* France's decision about the Irish spec. */
    proto_proof_query q = pf_query();
    proto_proof_answer an = pf_answer(PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL, &W.decision);
    const pf_entry *entries[] = { &W.provider, &W.spec, &W.decision };
    mp_buf_init(&b, RN_PROOF_BYTES_MAX);
    assert_int_equal(pf_bundle(&b, &q, &an, entries, 3), 0);
    write_bytes(bundle, b.data, b.len);
    mp_buf_free(&b);
    proto_entry_id(W.decision.b, W.decision.len, decision_id);

    genesis(&ch, gpath);
    fr_rotation(&ch, PROTO_RC_ROTATE, 0, NULL, planned);
    fr_rotation(&ch, PROTO_RC_ROTATE_COMPROMISED, 0, NULL, lost);
    fr_rotation(&ch, PROTO_RC_ROTATE_COMPROMISED, 1, decision_id, kept);
    proto_rosterchain_free(&ch);

    /* The genesis alone, and after a planned rotation of France's key. */
    assert_int_equal(run("proof", "verify", bundle, "--genesis", gpath, NULL), CLI_OK);
    assert_int_equal(run("proof", "verify", bundle, "--genesis", gpath, "--change", planned, NULL),
                     CLI_OK);
    snprintf(inline_opt, sizeof(inline_opt), "--change=%s", planned);
    assert_int_equal(run("--json", "proof", "verify", bundle, "--genesis", gpath, inline_opt, NULL),
                     CLI_OK);
    /* Compromised: trusting France's log up to the decision, or nothing of it. */
    assert_int_equal(run("proof", "verify", bundle, "--genesis", gpath, "--change", kept, NULL),
                     CLI_OK);
    assert_int_equal(run("proof", "verify", bundle, "--genesis", gpath, "--change", lost, NULL),
                     CLI_NEGATIVE);
    assert_int_equal(
        run("--json", "proof", "verify", bundle, "--genesis", gpath, "--change", lost, NULL),
        CLI_NEGATIVE);
    /* Two version-2 changes: the second does not follow the first. */
    assert_int_equal(run("proof", "verify", bundle, "--genesis", gpath, "--change", planned,
                         "--change", kept, NULL),
                     CLI_REFUSED);
    /* A change that is not one; a genesis that is not one; a missing file. */
    assert_int_equal(run("proof", "verify", bundle, "--genesis", gpath, "--change", bundle, NULL),
                     CLI_REFUSED);
    assert_int_equal(run("proof", "verify", bundle, "--genesis", planned, NULL), CLI_REFUSED);
    snprintf(inline_opt, sizeof(inline_opt), "%s/none.bin", tmp);
    assert_int_equal(run("proof", "verify", bundle, "--genesis", inline_opt, NULL), CLI_ERROR);
    /* Usage: one of --roster and --genesis; --change only with --genesis; nothing else. */
    assert_int_equal(run("proof", "verify", bundle, NULL), CLI_USAGE);
    assert_int_equal(run("proof", "verify", bundle, "--genesis", gpath, "--roster", gpath, NULL),
                     CLI_USAGE);
    assert_int_equal(run("proof", "verify", bundle, "--roster", gpath, "--change", planned, NULL),
                     CLI_USAGE);
    assert_int_equal(run("proof", "verify", bundle, "--genesis", gpath, "--colour", "red", NULL),
                     CLI_USAGE);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof(tmp), "/tmp/rn-proof-cli-XXXXXX");
    if (mkdtemp(tmp) == NULL || sodium_init() < 0)
        return -1;
    pf_world_build(&W);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return test_rmtree(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proof_verify_chain),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
