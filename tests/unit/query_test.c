/*
 * query_test.c: the query engine (store/query.h) on small replicas built in a temporary
 * directory with store_append, from real public data: the Irish University of Zed and its
 * "Digital micro-credential creation" spec (the Commission's ELM sample, via
 * tests/fuzz/proof_fixture.h), and Dutch micro-credentials from the educredentials Open Badges
 * 3.0 examples (tests/fixtures/obv3/: Universiteit van Harderwijk, MBO Beek, Naboo Theed).
 *
 * Each test builds its own replica (authorities of IE, FR, DE and NL, keys from fixed seeds) with
 * entries at increasing times, so that "as of" questions before and after an entry have known
 * answers. Every recognise and verify answer is asked with a proof bundle, and every bundle must
 * pass proto_proof_verify against the replica's roster and say what the answer says (ask()).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "proto/codes.h"
#include "store/query.h"
#include "store/store.h"
#include "tests/fuzz/proof_fixture.h"

#include "testutil.h"

#define T_2024_08_30 1724976000000ull /* the Dutch examples' validFrom */
#define T_2025_01_01 1735689600000ull
#define T_2026_01_01 1767225600000ull
#define DAY          PF_DAY_MS

#define FR PROTO_PURPOSE_FURTHER_STUDY
#define EM PROTO_PURPOSE_EMPLOYMENT
#define BO PROTO_PURPOSE_BOTH

#define NL_UVH      "NL:brin/un1vh"
#define NL_UVH_SPEC "NL:brin/un1vh/20121350"
#define NL_MBO      "NL:mbo/beek"
#define NL_MBO_SPEC "NL:mbo/beek/20121343"
#define NL_TH       "NL:brin/42nb"
#define NL_TH_SPEC  "NL:brin/42nb/jedi-minor"

typedef struct author {
    uint8_t pk[PROTO_KEY_BYTES];
    uint8_t sk[PROTO_SK_BYTES];
} author;

typedef struct world {
    char dir[64];
    store s;
    author ie, fr, de, nl, mirror;
} world;

/* ---- The replica ---- */

static void author_init(author *a, uint8_t seed_byte)
{
    uint8_t seed[crypto_sign_SEEDBYTES];
    memset(seed, seed_byte, sizeof(seed));
    assert_int_equal(crypto_sign_seed_keypair(a->pk, a->sk, seed), 0);
}

static int setup(void **state)
{
    world *w = calloc(1, sizeof(*w));
    proto_roster ro;

    if (w == NULL || sodium_init() < 0)
        return -1;
    snprintf(w->dir, sizeof(w->dir), "/tmp/query_test.XXXXXX");
    if (mkdtemp(w->dir) == NULL)
        return -1;
    if (store_open(&w->s, w->dir, NULL) != 0)
        return -1;
    author_init(&w->ie, 'I');
    author_init(&w->fr, 'F');
    author_init(&w->de, 'D');
    author_init(&w->nl, 'N');
    author_init(&w->mirror, 'M');
    if (proto_roster_init(&ro, 8) != 0 ||
        proto_roster_add(&ro, "IE", 2, PROTO_ROLE_AUTHORITY, w->ie.pk) != 0 ||
        proto_roster_add(&ro, "FR", 2, PROTO_ROLE_AUTHORITY, w->fr.pk) != 0 ||
        proto_roster_add(&ro, "DE", 2, PROTO_ROLE_AUTHORITY, w->de.pk) != 0 ||
        proto_roster_add(&ro, "NL", 2, PROTO_ROLE_AUTHORITY, w->nl.pk) != 0 ||
        proto_roster_add(&ro, NULL, 0, PROTO_ROLE_MIRROR, w->mirror.pk) != 0 ||
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

/* Appends record `r` as `a`'s next entry at time `ts`; returns its seq, and its id in `id` when
 * not NULL. */
static uint64_t put_id(world *w, const author *a, uint64_t ts, const proto_record *r,
                       uint8_t id[PROTO_ID_BYTES])
{
    mp_buf b;
    uint64_t seq = 0;
    rn_diag d = { 0 };
    char msg[128];

    mp_buf_init(&b, RN_RECORD_BYTES_MAX);
    assert_int_equal(proto_record_encode(r, &b), 0);
    int rc = store_append(&w->s, a->sk, r->kind, b.data, b.len, ts, id, &seq, NULL, &d);
    if (rc != 0)
        fprintf(stderr, "store_append: %s\n", rn_diag_format(&d, msg, sizeof(msg)));
    assert_int_equal(rc, 0);
    mp_buf_free(&b);
    return seq;
}

static uint64_t put(world *w, const author *a, uint64_t ts, const proto_record *r)
{
    return put_id(w, a, ts, r, NULL);
}

/* ---- Asking, with the proof checked ---- */

/* Checks that the bundle in b verifies against the replica's roster and carries the answer. */
static void check_bundle(world *w, const mp_buf *b, const query_recognition *a, const char *spec,
                         const char *cc, uint32_t purpose, uint64_t at, const uint8_t *credential,
                         bool revoked)
{
    proto_proof p;
    rn_diag d = { 0 };
    char msg[128];

    int rc = proto_proof_verify(b->data, b->len, &w->s.roster, &p, &d);
    if (rc != 0)
        fprintf(stderr, "proof: %s (entry %u)\n", rn_diag_format(&d, msg, sizeof(msg)), d.index);
    assert_int_equal(rc, 0);
    assert_true(proto_str_eq(p.query.spec, proto_str_c(spec)));
    assert_memory_equal(p.query.country.ptr, cc, 2);
    assert_int_equal(p.query.purpose, purpose);
    assert_int_equal(p.query.at_ms, at > RN_TIME_MS_MAX ? RN_TIME_MS_MAX : at);
    assert_int_equal(p.answer.result, a->result);
    assert_int_equal(p.answer.outcome, a->outcome);
    assert_int_equal(p.answer.forked, a->forked);
    if (a->result != PROTO_RESULT_NO_DECISION) {
        assert_memory_equal(p.answer.basis_author, a->basis.author, PROTO_KEY_BYTES);
        assert_int_equal(p.answer.basis_seq, a->basis.seq);
    }
    if (credential != NULL) {
        assert_non_null(p.query.credential);
        assert_memory_equal(p.query.credential, credential, PROTO_DIGEST_BYTES);
        assert_true(p.answer.has_revoked);
        assert_int_equal(p.answer.revoked, revoked);
    } else {
        assert_null(p.query.credential);
        assert_false(p.answer.has_revoked);
    }
    uint32_t want = 2u + (a->result != PROTO_RESULT_NO_DECISION) + (revoked ? 1u : 0u);
    assert_int_equal(p.entries_n, want);
}

/* recognise(spec, cc, purpose, at) with its bundle checked. Returns the query's result code. */
static int ask(world *w, const char *spec, const char *cc, uint32_t purpose, uint64_t at,
               query_recognition *out)
{
    store_read r;
    mp_buf b;
    query_recognition plain;

    mp_buf_init(&b, RN_PROOF_BYTES_MAX);
    assert_int_equal(store_query_begin(&w->s, &r), 0);
    int rc = query_recognise(&r, proto_str_c(spec), cc, purpose, at, out, &b);
    if (rc == 0) {
        const proto_country *c = proto_country_find(cc, 2);
        check_bundle(w, &b, out, spec, c->alpha2, purpose, at, NULL, false);
        /* Without a bundle, the same answer. */
        assert_int_equal(query_recognise(&r, proto_str_c(spec), cc, purpose, at, &plain, NULL), 0);
        assert_true(test_recognition_equal(&plain, out));
    } else {
        assert_int_equal(b.len, 0);
    }
    store_read_end(&r);
    mp_buf_free(&b);
    return rc;
}

/* Asks and expects an answer: result, outcome, basis (author, seq) and basis id. */
static void expect(world *w, const char *spec, const char *cc, uint32_t purpose, uint64_t at,
                   uint32_t result, uint32_t outcome, const author *basis, uint64_t seq,
                   const char *basis_id)
{
    query_recognition a;
    assert_int_equal(ask(w, spec, cc, purpose, at, &a), 0);
    assert_int_equal(a.result, result);
    assert_int_equal(a.outcome, outcome);
    if (result == PROTO_RESULT_NO_DECISION) {
        assert_int_equal(a.basis.seq, 0);
        assert_string_equal(a.basis_id, "");
    } else {
        assert_memory_equal(a.basis.author, basis->pk, PROTO_KEY_BYTES);
        assert_int_equal(a.basis.seq, seq);
        assert_string_equal(a.basis_id, basis_id);
    }
}

#define NO_DECISION(w, spec, cc, purpose, at)                                                      \
    expect(w, spec, cc, purpose, at, PROTO_RESULT_NO_DECISION, 0, NULL, 0, NULL)

/* ---- Records ---- */

/* The Irish provider and spec of the ELM sample, at 2023-01-02 and a day later (IE seq 1, 2). */
static void put_ireland(world *w)
{
    proto_record r = pf_provider_record();
    put(w, &w->ie, PF_T_2023_01_02, &r);
    r = pf_spec_record(PF_SPEC_ID);
    put(w, &w->ie, PF_T_2023_01_02 + DAY, &r);
}

static proto_record nl_provider(const char *id, const char *name)
{
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_PROVIDER;
    proto_provider *p = &r.u.provider;
    p->id = proto_str_c(id);
    p->legal_name = proto_str_c(name);
    p->country = proto_str_c("NL");
    p->qa_status = PROTO_QA_ACCREDITED;
    p->qa_body = proto_str_c("Nederlands-Vlaamse Accreditatieorganisatie");
    p->status = PROTO_PROVIDER_ACTIVE;
    return r;
}

/* A Dutch spec from an OBv3 example: testing, onsite or blended, onsite with identity check. */
static proto_record nl_spec(const char *id, const char *provider, const char *lang,
                            const char *title, const char *outcome, uint32_t ects_centi,
                            uint32_t eqf, const char *isced)
{
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_SPEC;
    proto_spec *s = &r.u.spec;
    s->id = proto_str_c(id);
    s->provider = proto_str_c(provider);
    s->title_n = 1;
    s->title[0].lang = proto_str_c(lang);
    s->title[0].text = proto_str_c(title);
    s->outcomes_n = 1;
    s->outcomes[0].text = proto_str_c(outcome);
    s->ects_centi = ects_centi;
    s->eqf = eqf;
    s->isced = proto_str_c(isced);
    s->assessment = 1;    /* testing */
    s->participation = 2; /* onsite or blended */
    s->qa_type = 2;       /* external: accredited programme */
    s->languages_n = 1;
    s->languages[0] = proto_str_c(lang);
    s->supervision = 4; /* onsite with identity verification */
    s->stackability = PROTO_STACK_STACKABLE;
    s->valid_from_ms = T_2024_08_30;
    s->status = PROTO_STATUS_ACTIVE;
    return r;
}

static proto_record uvh_spec(void)
{
    return nl_spec(
        NL_UVH_SPEC, NL_UVH, "nl", "Microcredential Basisomzetting Kat naar Koffiezetapparaat",
        "De student heeft met succes de eerste stap in transmutatie afgerond.", 300, 4, "0588");
}

static proto_record mbo_spec(void)
{
    /* 240 SBU (study hours) at 28 hours an ECTS credit. */
    return nl_spec(NL_MBO_SPEC, NL_MBO, "nl",
                   "Microcredential Oogcontact maken zonder creepy te kijken",
                   "De student kan oogcontact maken tijdens verkoopgesprekken.", 857, 4, "0416");
}

static proto_record theed_spec(void)
{
    return nl_spec(NL_TH_SPEC, NL_TH, "en",
                   "Minor: Jedi Mind Control and Advanced Meditation Practices",
                   "Pass a practical test and submit a written essay.", 300, 6, "0313");
}

/* The Dutch providers and specs at 2024-08-30 (NL seq 1-6). */
static void put_netherlands(world *w)
{
    proto_record r = nl_provider(NL_UVH, "Universiteit van Harderwijk");
    put(w, &w->nl, T_2024_08_30, &r);
    r = uvh_spec();
    put(w, &w->nl, T_2024_08_30, &r);
    r = nl_provider(NL_MBO, "MBO Beek");
    put(w, &w->nl, T_2024_08_30, &r);
    r = mbo_spec();
    put(w, &w->nl, T_2024_08_30, &r);
    r = nl_provider(NL_TH, "Naboo Theed University");
    put(w, &w->nl, T_2024_08_30, &r);
    r = theed_spec();
    put(w, &w->nl, T_2024_08_30, &r);
}

static proto_record decision(const char *id, const char *spec, uint32_t purpose, uint32_t outcome,
                             uint64_t from, uint64_t until)
{
    proto_record r = pf_decision_record(id, spec, purpose, from, until);
    r.u.decision.outcome = outcome;
    if (outcome == PROTO_OUTCOME_CONDITIONAL)
        r.u.decision.conditions = proto_str_c("Un module de mise à niveau en sécurité.");
    if (outcome == PROTO_OUTCOME_PARTIAL || outcome == PROTO_OUTCOME_DENIED) {
        r.u.decision.differences_n = 1;
        r.u.decision.differences[0].type = PROTO_DIFFERENCE_WORKLOAD;
        r.u.decision.differences[0].note = proto_str_c("Charge de travail insuffisante.");
    }
    if (outcome == PROTO_OUTCOME_DENIED) { /* a denial recognises nothing */
        r.u.decision.ects_centi = 0;
        r.u.decision.eqf = 0;
    }
    return r;
}

/* An ICT policy of France for both purposes: IE and DE issuers, EQF 5-7, >= 1 ECTS, external QA,
 * under ISCED-F prefix `isced`. */
static proto_record policy(const char *id, uint32_t outcome, const char *isced)
{
    proto_record r = pf_policy_record(id, isced);
    r.u.policy.outcome = outcome;
    if (outcome == PROTO_OUTCOME_CONDITIONAL)
        r.u.policy.conditions = proto_str_c("Entretien avec le jury.");
    return r;
}

/* ---- recognise: decisions ---- */

static void test_decision(void **state)
{
    world *w = *state;
    put_ireland(w);
    /* Before any decision: nothing. */
    NO_DECISION(w, PF_SPEC_ID, "FR", FR, PF_T_2025_03_01);
    proto_record r = decision("FR:dec/2024-0042", PF_SPEC_ID, FR, PROTO_OUTCOME_FULL,
                              PF_T_2024_09_01, PF_T_2027_09_01);
    put(w, &w->fr, PF_T_2024_09_01, &r);
    expect(w, PF_SPEC_ID, "FR", FR, PF_T_2025_03_01, PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL,
           &w->fr, 1, "FR:dec/2024-0042");

    /* The answer carries the spec and provider entries it rests on. */
    query_recognition a;
    assert_int_equal(ask(w, PF_SPEC_ID, "FR", FR, PF_T_2025_03_01, &a), 0);
    assert_memory_equal(a.spec.author, w->ie.pk, PROTO_KEY_BYTES);
    assert_int_equal(a.spec.seq, 2);
    assert_int_equal(a.spec.timestamp_ms, PF_T_2023_01_02 + DAY);
    assert_int_equal(a.provider.seq, 1);
    assert_string_equal(a.provider_id, PF_PROVIDER_ID);
    assert_int_equal(a.basis.timestamp_ms, PF_T_2024_09_01);
    assert_false(a.forked);

    /* As of just before the decision's entry: nothing; at its moment: the decision. */
    NO_DECISION(w, PF_SPEC_ID, "FR", FR, PF_T_2024_09_01 - 1);
    expect(w, PF_SPEC_ID, "FR", FR, PF_T_2024_09_01, PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL,
           &w->fr, 1, "FR:dec/2024-0042");
    /* Another country has not decided. */
    NO_DECISION(w, PF_SPEC_ID, "DE", FR, PF_T_2025_03_01);

    /* A later decision about the same spec wins over the earlier, by entry time. */
    r = decision("FR:dec/2025-0001", PF_SPEC_ID, FR, PROTO_OUTCOME_CONDITIONAL, PF_T_2024_09_01, 0);
    put(w, &w->fr, PF_T_2025_03_01, &r);
    expect(w, PF_SPEC_ID, "FR", FR, PF_T_2025_03_01, PROTO_RESULT_DECISION,
           PROTO_OUTCOME_CONDITIONAL, &w->fr, 2, "FR:dec/2025-0001");
    expect(w, PF_SPEC_ID, "FR", FR, PF_T_2025_03_01 - 1, PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL,
           &w->fr, 1, "FR:dec/2024-0042");
    /* Two entries at one timestamp: the greater seq wins. */
    r = decision("FR:dec/2025-0002", PF_SPEC_ID, FR, PROTO_OUTCOME_PARTIAL, PF_T_2024_09_01, 0);
    put(w, &w->fr, PF_T_2025_03_01, &r);
    expect(w, PF_SPEC_ID, "FR", FR, PF_T_2025_03_01, PROTO_RESULT_DECISION, PROTO_OUTCOME_PARTIAL,
           &w->fr, 3, "FR:dec/2025-0002");
    /* "Now" sees every entry; the decisions have no end, so they are still valid. */
    expect(w, PF_SPEC_ID, "FR", FR, QUERY_AT_NOW, PROTO_RESULT_DECISION, PROTO_OUTCOME_PARTIAL,
           &w->fr, 3, "FR:dec/2025-0002");
    /* A new version of a decision that moves it to another spec removes it from this one. */
    r = decision("FR:dec/2025-0002", NL_UVH_SPEC, FR, PROTO_OUTCOME_PARTIAL, PF_T_2024_09_01, 0);
    put(w, &w->fr, PF_T_2025_03_01 + DAY, &r);
    expect(w, PF_SPEC_ID, "FR", FR, PF_T_2025_03_01 + DAY, PROTO_RESULT_DECISION,
           PROTO_OUTCOME_CONDITIONAL, &w->fr, 2, "FR:dec/2025-0001");
    expect(w, PF_SPEC_ID, "FR", FR, PF_T_2025_03_01, PROTO_RESULT_DECISION, PROTO_OUTCOME_PARTIAL,
           &w->fr, 3, "FR:dec/2025-0002");
}

static void test_superseded(void **state)
{
    world *w = *state;
    put_ireland(w);
    proto_record r =
        decision("FR:dec/2024-0042", PF_SPEC_ID, BO, PROTO_OUTCOME_FULL, PF_T_2024_09_01, 0);
    put(w, &w->fr, PF_T_2024_09_01, &r); /* FR 1 */
    /* An older-dated decision entered later that supersedes the first one: the first is out, and
     * the superseder answers although it is not the latest by validity. */
    r = decision("FR:dec/2025-0001", PF_SPEC_ID, BO, PROTO_OUTCOME_PARTIAL, PF_T_2024_01_01, 0);
    r.u.decision.supersedes = proto_str_c("FR:dec/2024-0042");
    put(w, &w->fr, T_2025_01_01, &r); /* FR 2 */
    expect(w, PF_SPEC_ID, "FR", EM, PF_T_2025_03_01, PROTO_RESULT_DECISION, PROTO_OUTCOME_PARTIAL,
           &w->fr, 2, "FR:dec/2025-0001");
    /* Before the superseder's entry, the first decision stands. */
    expect(w, PF_SPEC_ID, "FR", EM, T_2025_01_01 - 1, PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL,
           &w->fr, 1, "FR:dec/2024-0042");

    /* A third decision, entered later but superseded by a decision about another spec: out, and
     * the second one answers. */
    r = decision("FR:dec/2025-0003", PF_SPEC_ID, BO, PROTO_OUTCOME_DENIED, PF_T_2024_01_01, 0);
    put(w, &w->fr, PF_T_2025_03_01, &r); /* FR 3 */
    expect(w, PF_SPEC_ID, "FR", EM, PF_T_2025_03_01, PROTO_RESULT_DECISION, PROTO_OUTCOME_DENIED,
           &w->fr, 3, "FR:dec/2025-0003");
    r = decision("FR:dec/2025-0004", NL_UVH_SPEC, BO, PROTO_OUTCOME_FULL, PF_T_2024_01_01, 0);
    r.u.decision.supersedes = proto_str_c("FR:dec/2025-0003");
    put(w, &w->fr, PF_T_2025_03_01 + DAY, &r); /* FR 4 */
    expect(w, PF_SPEC_ID, "FR", EM, PF_T_2025_03_01 + DAY, PROTO_RESULT_DECISION,
           PROTO_OUTCOME_PARTIAL, &w->fr, 2, "FR:dec/2025-0001");

    /* The superseder's new version no longer supersedes: the superseded decision is back. */
    r = decision("FR:dec/2025-0004", NL_UVH_SPEC, BO, PROTO_OUTCOME_FULL, PF_T_2024_01_01, 0);
    put(w, &w->fr, PF_T_2025_03_01 + 2 * DAY, &r); /* FR 5 */
    expect(w, PF_SPEC_ID, "FR", EM, PF_T_2025_03_01 + 2 * DAY, PROTO_RESULT_DECISION,
           PROTO_OUTCOME_DENIED, &w->fr, 3, "FR:dec/2025-0003");
    /* ... and as of the day before, still out. */
    expect(w, PF_SPEC_ID, "FR", EM, PF_T_2025_03_01 + DAY, PROTO_RESULT_DECISION,
           PROTO_OUTCOME_PARTIAL, &w->fr, 2, "FR:dec/2025-0001");
}

static void test_validity(void **state)
{
    world *w = *state;
    put_ireland(w);
    /* Entered in 2024, valid from 2025-01-01 until 2026-01-01. */
    proto_record r = decision("FR:dec/2024-0042", PF_SPEC_ID, FR, PROTO_OUTCOME_FULL, T_2025_01_01,
                              T_2026_01_01);
    put(w, &w->fr, PF_T_2024_09_01, &r);
    /* Not yet valid. */
    NO_DECISION(w, PF_SPEC_ID, "FR", FR, T_2025_01_01 - 1);
    /* Its first and last moments. */
    expect(w, PF_SPEC_ID, "FR", FR, T_2025_01_01, PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL, &w->fr,
           1, "FR:dec/2024-0042");
    expect(w, PF_SPEC_ID, "FR", FR, T_2026_01_01 - 1, PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL,
           &w->fr, 1, "FR:dec/2024-0042");
    /* Expired. And "now" is the end of time, when a bounded decision has expired. */
    NO_DECISION(w, PF_SPEC_ID, "FR", FR, T_2026_01_01);
    NO_DECISION(w, PF_SPEC_ID, "FR", FR, QUERY_AT_NOW);

    /* A later decision not yet valid does not hide a valid earlier one. */
    r = decision("FR:dec/2025-0099", PF_SPEC_ID, FR, PROTO_OUTCOME_DENIED, T_2026_01_01, 0);
    put(w, &w->fr, T_2025_01_01, &r);
    expect(w, PF_SPEC_ID, "FR", FR, T_2025_01_01 + DAY, PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL,
           &w->fr, 1, "FR:dec/2024-0042");
    expect(w, PF_SPEC_ID, "FR", FR, T_2026_01_01, PROTO_RESULT_DECISION, PROTO_OUTCOME_DENIED,
           &w->fr, 2, "FR:dec/2025-0099");
}

static void test_purpose(void **state)
{
    world *w = *state;
    put_ireland(w);
    proto_record r =
        decision("FR:dec/emp", PF_SPEC_ID, EM, PROTO_OUTCOME_PARTIAL, PF_T_2024_09_01, 0);
    put(w, &w->fr, PF_T_2024_09_01, &r); /* FR 1 */
    NO_DECISION(w, PF_SPEC_ID, "FR", FR, PF_T_2025_03_01);
    NO_DECISION(w, PF_SPEC_ID, "FR", BO, PF_T_2025_03_01);
    expect(w, PF_SPEC_ID, "FR", EM, PF_T_2025_03_01, PROTO_RESULT_DECISION, PROTO_OUTCOME_PARTIAL,
           &w->fr, 1, "FR:dec/emp");

    /* A decision for both answers either purpose and "both"; the employment one, older, loses
     * for employment. */
    r = decision("FR:dec/both", PF_SPEC_ID, BO, PROTO_OUTCOME_FULL, PF_T_2024_09_01, 0);
    put(w, &w->fr, PF_T_2024_09_01 + DAY, &r); /* FR 2 */
    expect(w, PF_SPEC_ID, "FR", FR, PF_T_2025_03_01, PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL,
           &w->fr, 2, "FR:dec/both");
    expect(w, PF_SPEC_ID, "FR", BO, PF_T_2025_03_01, PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL,
           &w->fr, 2, "FR:dec/both");
    expect(w, PF_SPEC_ID, "FR", EM, PF_T_2025_03_01, PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL,
           &w->fr, 2, "FR:dec/both");

    /* A newer further-study decision: answers further study only; "both" still needs "both". */
    r = decision("FR:dec/study", PF_SPEC_ID, FR, PROTO_OUTCOME_CONDITIONAL, PF_T_2024_09_01, 0);
    put(w, &w->fr, PF_T_2024_09_01 + 2 * DAY, &r); /* FR 3 */
    expect(w, PF_SPEC_ID, "FR", FR, PF_T_2025_03_01, PROTO_RESULT_DECISION,
           PROTO_OUTCOME_CONDITIONAL, &w->fr, 3, "FR:dec/study");
    expect(w, PF_SPEC_ID, "FR", BO, PF_T_2025_03_01, PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL,
           &w->fr, 2, "FR:dec/both");
    expect(w, PF_SPEC_ID, "FR", EM, PF_T_2025_03_01, PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL,
           &w->fr, 2, "FR:dec/both");
}

/* ---- recognise: policies ---- */

static void test_policy(void **state)
{
    world *w = *state;
    proto_record r;
    put_ireland(w);
    put_netherlands(w);

    /* France's policies, all from 2024-01-01, entered in September 2024 (FR seq 1-7). */
    r = policy("FR:pol/ict-2", PROTO_OUTCOME_CONDITIONAL, "06");
    put(w, &w->fr, PF_T_2024_09_01, &r); /* 1 */
    r = policy("FR:pol/ict-1", PROTO_OUTCOME_CONDITIONAL, "068");
    put(w, &w->fr, PF_T_2024_09_01, &r); /* 2: ties with 1, smaller id */
    r = policy("FR:pol/any", PROTO_OUTCOME_PARTIAL, "06");
    r.u.policy.issuer_countries_n = 0;
    r.u.policy.eqf_min = r.u.policy.eqf_max = 0;
    r.u.policy.isced_prefixes_n = 0;
    r.u.policy.external_qa = false;
    put(w, &w->fr, PF_T_2024_09_01, &r); /* 3: every spec, partial */
    r = policy("FR:pol/eng", PROTO_OUTCOME_FULL, "07");
    put(w, &w->fr, PF_T_2024_09_01, &r); /* 4: another field */
    r = policy("FR:pol/de-only", PROTO_OUTCOME_FULL, "06");
    r.u.policy.issuer_countries_n = 1;
    r.u.policy.issuer_countries[0] = proto_str_c("DE");
    put(w, &w->fr, PF_T_2024_09_01, &r); /* 5: another country */
    r = policy("FR:pol/old", PROTO_OUTCOME_FULL, "06");
    r.u.policy.valid_from_ms = PF_T_2020_01_01;
    r.u.policy.valid_until_ms = PF_T_2024_01_01;
    put(w, &w->fr, PF_T_2024_09_01, &r); /* 6: expired */
    r = policy("FR:pol/gone", PROTO_OUTCOME_FULL, "06");
    r.u.policy.status = PROTO_STATUS_WITHDRAWN;
    put(w, &w->fr, PF_T_2024_09_01, &r); /* 7: withdrawn */
    r = policy("FR:pol/jobs", PROTO_OUTCOME_FULL, "06");
    r.u.policy.purpose = EM;
    put(w, &w->fr, PF_T_2024_09_01, &r); /* 8: employment only */

    expect(w, PF_SPEC_ID, "FR", FR, PF_T_2025_03_01, PROTO_RESULT_AUTOMATIC,
           PROTO_OUTCOME_CONDITIONAL, &w->fr, 2, "FR:pol/ict-1");
    expect(w, PF_SPEC_ID, "FR", EM, PF_T_2025_03_01, PROTO_RESULT_AUTOMATIC, PROTO_OUTCOME_FULL,
           &w->fr, 8, "FR:pol/jobs");
    expect(w, PF_SPEC_ID, "FR", BO, PF_T_2025_03_01, PROTO_RESULT_AUTOMATIC,
           PROTO_OUTCOME_CONDITIONAL, &w->fr, 2, "FR:pol/ict-1");
    /* The Dutch specs meet only the unconditional policy (wrong country, level, field). */
    expect(w, NL_UVH_SPEC, "FR", FR, PF_T_2025_03_01, PROTO_RESULT_AUTOMATIC, PROTO_OUTCOME_PARTIAL,
           &w->fr, 3, "FR:pol/any");
    /* Before the policies' entries: nothing. */
    NO_DECISION(w, PF_SPEC_ID, "FR", FR, PF_T_2024_09_01 - 1);

    /* A new version of ict-2 with a full outcome wins from its entry on. */
    r = policy("FR:pol/ict-2", PROTO_OUTCOME_FULL, "06");
    put(w, &w->fr, PF_T_2025_03_01, &r); /* 9 */
    expect(w, PF_SPEC_ID, "FR", FR, PF_T_2025_03_01, PROTO_RESULT_AUTOMATIC, PROTO_OUTCOME_FULL,
           &w->fr, 9, "FR:pol/ict-2");
    expect(w, PF_SPEC_ID, "FR", FR, PF_T_2025_03_01 - 1, PROTO_RESULT_AUTOMATIC,
           PROTO_OUTCOME_CONDITIONAL, &w->fr, 2, "FR:pol/ict-1");

    /* A decision comes before any policy, even a less favourable one. */
    r = decision("FR:dec/2025-0001", PF_SPEC_ID, FR, PROTO_OUTCOME_DENIED, PF_T_2024_09_01, 0);
    put(w, &w->fr, PF_T_2025_03_01 + DAY, &r); /* 10 */
    expect(w, PF_SPEC_ID, "FR", FR, PF_T_2025_03_01 + DAY, PROTO_RESULT_DECISION,
           PROTO_OUTCOME_DENIED, &w->fr, 10, "FR:dec/2025-0001");

    /* A policy withdrawn by a new version stops answering. */
    r = policy("FR:pol/any", PROTO_OUTCOME_PARTIAL, "06");
    r.u.policy.status = PROTO_STATUS_WITHDRAWN;
    put(w, &w->fr, PF_T_2025_03_01 + 2 * DAY, &r); /* 11 */
    NO_DECISION(w, NL_UVH_SPEC, "FR", FR, PF_T_2025_03_01 + 2 * DAY);
}

/* proto_policy_matches is the verifier's test: one condition at a time on the ELM spec. */
static void test_policy_matches(void **state)
{
    (void)state;
    proto_record pv = pf_provider_record(), sp = pf_spec_record(PF_SPEC_ID);
    proto_record p = pf_policy_record("FR:pol/x", "06");
    const proto_spec *s = &sp.u.spec;
    proto_policy *pol = &p.u.policy;

    assert_true(proto_policy_matches(pol, s, &pv.u.provider));
    pol->isced_prefixes[0] = proto_str_c("0688");
    assert_true(proto_policy_matches(pol, s, &pv.u.provider));
    pol->isced_prefixes[0] = proto_str_c("061");
    assert_false(proto_policy_matches(pol, s, &pv.u.provider));
    pol->isced_prefixes[0] = proto_str_c("06");
    pol->eqf_min = 7;
    pol->eqf_max = 0; /* [7, 8] */
    assert_false(proto_policy_matches(pol, s, &pv.u.provider));
    pol->eqf_min = 0;
    pol->eqf_max = 6; /* [1, 6] */
    assert_true(proto_policy_matches(pol, s, &pv.u.provider));
    sp.u.spec.eqf = 0; /* a spec without a level meets no range */
    assert_false(proto_policy_matches(pol, s, &pv.u.provider));
    sp.u.spec.eqf = 6;
    pol->ects_min_centi = 201;
    assert_false(proto_policy_matches(pol, s, &pv.u.provider));
    pol->ects_min_centi = 200;
    assert_true(proto_policy_matches(pol, s, &pv.u.provider));
    sp.u.spec.qa_type = 1; /* internal */
    assert_false(proto_policy_matches(pol, s, &pv.u.provider));
    pol->external_qa = false;
    assert_true(proto_policy_matches(pol, s, &pv.u.provider));
    pol->issuer_countries_n = 1;
    pol->issuer_countries[0] = proto_str_c("DE");
    assert_false(proto_policy_matches(pol, s, &pv.u.provider));
}

/* ---- recognise: errors, forks ---- */

static void test_errors(void **state)
{
    world *w = *state;
    query_recognition a;
    store_read r;
    put_ireland(w);

    /* No spec (yet), no provider. */
    assert_int_equal(ask(w, "IE:resa/none", "FR", FR, PF_T_2025_03_01, &a), RN_ENOTFOUND);
    assert_int_equal(ask(w, PF_SPEC_ID, "FR", FR, PF_T_2023_01_02 + DAY - 1, &a), RN_ENOTFOUND);
    proto_record rec = pf_spec_record("IE:resa/orphan");
    rec.u.spec.provider = proto_str_c("IE:resa/nobody");
    put(w, &w->ie, PF_T_2024_01_01, &rec);
    assert_int_equal(ask(w, "IE:resa/orphan", "FR", FR, PF_T_2025_03_01, &a), RN_ENOTFOUND);
    /* A country without an authority, and codes that are no country. */
    assert_int_equal(ask(w, PF_SPEC_ID, "AT", FR, PF_T_2025_03_01, &a), RN_ECOUNTRY);
    assert_int_equal(store_query_begin(&w->s, &r), 0);
    assert_int_equal(query_recognise(&r, proto_str_c(PF_SPEC_ID), "XX", FR, 0, &a, NULL),
                     RN_ECOUNTRY);
    assert_int_equal(query_recognise(&r, proto_str_c(PF_SPEC_ID), "fr", FR, 0, &a, NULL),
                     RN_ECOUNTRY);
    assert_int_equal(query_recognise(&r, proto_str_c(PF_SPEC_ID), NULL, FR, 0, &a, NULL),
                     RN_ECOUNTRY);
    /* Purposes and ids. */
    assert_int_equal(query_recognise(&r, proto_str_c(PF_SPEC_ID), "FR", 0, 0, &a, NULL), RN_EENUM);
    assert_int_equal(query_recognise(&r, proto_str_c(PF_SPEC_ID), "FR", 4, 0, &a, NULL), RN_EENUM);
    assert_int_equal(query_recognise(&r, proto_str_c("not an id"), "FR", FR, 0, &a, NULL), RN_EID);
    assert_int_equal(query_recognise(&r, proto_str_c(""), "FR", FR, 0, &a, NULL), RN_ELEN);
    /* A full bundle buffer: RN_ETOOBIG, and the buffer as it was. */
    mp_buf small;
    mp_buf_init(&small, 64);
    assert_int_equal(
        query_recognise(&r, proto_str_c(PF_SPEC_ID), "FR", FR, PF_T_2025_03_01, &a, &small),
        RN_ETOOBIG);
    assert_int_equal(small.len, 0);
    mp_buf_free(&small);
    store_read_end(&r);
}

/* A basis counts only when the roster's authority of the country signed it: after France's key
 * is replaced, its old decisions and policies answer nothing (and the bundle still verifies). */
static void test_roster_change(void **state)
{
    world *w = *state;
    author fr2;
    proto_roster ro;
    put_ireland(w);
    proto_record r =
        decision("FR:dec/2024-0042", PF_SPEC_ID, FR, PROTO_OUTCOME_FULL, PF_T_2024_09_01, 0);
    put(w, &w->fr, PF_T_2024_09_01, &r);
    r = policy("FR:pol/ict", PROTO_OUTCOME_FULL, "06");
    put(w, &w->fr, PF_T_2024_09_01, &r);
    expect(w, PF_SPEC_ID, "FR", FR, PF_T_2025_03_01, PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL,
           &w->fr, 1, "FR:dec/2024-0042");

    author_init(&fr2, 'G');
    assert_int_equal(proto_roster_init(&ro, 8), 0);
    assert_int_equal(proto_roster_add(&ro, "IE", 2, PROTO_ROLE_AUTHORITY, w->ie.pk), 0);
    assert_int_equal(proto_roster_add(&ro, "FR", 2, PROTO_ROLE_AUTHORITY, fr2.pk), 0);
    assert_int_equal(store_roster_set(&w->s, &ro), 0);
    proto_roster_free(&ro);
    NO_DECISION(w, PF_SPEC_ID, "FR", FR, PF_T_2025_03_01);
    /* The new key's own policy answers. */
    r = policy("FR:pol/ict-2", PROTO_OUTCOME_CONDITIONAL, "06");
    put(w, &fr2, PF_T_2025_03_01, &r);
    expect(w, PF_SPEC_ID, "FR", FR, PF_T_2025_03_01, PROTO_RESULT_AUTOMATIC,
           PROTO_OUTCOME_CONDITIONAL, &fr2, 1, "FR:pol/ict-2");
}

/* Signs, outside the store, a second entry of `a` at `seq` (whose prev is `prev`) and ingests it.
 */
static void fork_author(world *w, const author *a, uint64_t seq, const uint8_t *prev, uint64_t ts,
                        const proto_record *rec)
{
    mp_buf body;
    uint8_t buf[PF_ENTRY_CAP];
    size_t len;
    store_ingest_result res;
    rn_diag d = { 0 };

    mp_buf_init(&body, RN_RECORD_BYTES_MAX);
    assert_int_equal(proto_record_encode(rec, &body), 0);
    proto_entry_draft dr = { .seq = seq,
                             .prev = prev,
                             .timestamp_ms = ts,
                             .kind = rec->kind,
                             .body = body.data,
                             .body_len = body.len };
    assert_int_equal(proto_entry_sign(&dr, a->sk, buf, sizeof(buf), &len), 0);
    proto_str raw = { buf, (uint32_t)len };
    assert_int_equal(store_ingest(&w->s, &raw, 1, &res, &d), 0);
    assert_true(res.forked);
    assert_int_equal(res.fork_seq, seq);
    mp_buf_free(&body);
}

static void test_forked(void **state)
{
    world *w = *state;
    uint8_t ie1[PROTO_ID_BYTES], fr1[PROTO_ID_BYTES];
    query_recognition a;
    proto_record r = pf_provider_record();

    put_id(w, &w->ie, PF_T_2023_01_02, &r, ie1);
    r = pf_spec_record(PF_SPEC_ID);
    put(w, &w->ie, PF_T_2023_01_02 + DAY, &r);
    put_netherlands(w);
    r = decision("FR:dec/2024-0042", PF_SPEC_ID, FR, PROTO_OUTCOME_FULL, PF_T_2024_09_01, 0);
    put_id(w, &w->fr, PF_T_2024_09_01, &r, fr1);
    r = decision("FR:dec/2024-0043", NL_UVH_SPEC, FR, PROTO_OUTCOME_FULL, PF_T_2024_09_01, 0);
    put(w, &w->fr, PF_T_2024_09_01 + DAY, &r);

    assert_int_equal(ask(w, PF_SPEC_ID, "FR", FR, PF_T_2025_03_01, &a), 0);
    assert_false(a.forked);

    /* Ireland signs another spec at its seq 2: the spec's author is forked. */
    r = pf_spec_record("IE:resa/mc-c099");
    fork_author(w, &w->ie, 2, ie1, PF_T_2023_01_02 + DAY, &r);
    assert_int_equal(ask(w, PF_SPEC_ID, "FR", FR, PF_T_2025_03_01, &a), 0);
    assert_true(a.forked);
    assert_int_equal(a.result, PROTO_RESULT_DECISION);
    assert_int_equal(ask(w, PF_SPEC_ID, "DE", FR, PF_T_2025_03_01, &a), 0);
    assert_true(a.forked); /* no decision, but about a forked author's spec */
    assert_int_equal(ask(w, NL_UVH_SPEC, "FR", FR, PF_T_2025_03_01, &a), 0);
    assert_false(a.forked);

    /* France forks: every French answer says so. */
    r = decision("FR:dec/2024-0099", NL_UVH_SPEC, FR, PROTO_OUTCOME_DENIED, PF_T_2024_09_01, 0);
    fork_author(w, &w->fr, 2, fr1, PF_T_2024_09_01 + DAY, &r);
    assert_int_equal(ask(w, NL_UVH_SPEC, "FR", FR, PF_T_2025_03_01, &a), 0);
    assert_true(a.forked);
    assert_int_equal(a.outcome, PROTO_OUTCOME_FULL); /* the entry the replica holds at seq 2 */
    assert_int_equal(ask(w, NL_UVH_SPEC, "DE", FR, PF_T_2025_03_01, &a), 0);
    assert_false(a.forked);
}

/* ---- search ---- */

static int search(world *w, const query_filter *f, uint64_t at, const char *after, uint32_t limit,
                  query_hit *hits, uint32_t *n, bool *more)
{
    store_read r;
    assert_int_equal(store_query_begin(&w->s, &r), 0);
    int rc = query_search(&r, f, at, proto_str_c(after), limit, hits, n, more);
    store_read_end(&r);
    return rc;
}

/* Searches with `f` and expects exactly the ids of the NULL-terminated list, in order. */
static void expect_search(world *w, const query_filter *f, uint64_t at, const char *const *ids)
{
    static query_hit hits[RN_SEARCH_RESULTS_MAX];
    uint32_t n = 0, want = 0;
    bool more = true;

    assert_int_equal(search(w, f, at, NULL, RN_SEARCH_RESULTS_MAX, hits, &n, &more), 0);
    while (ids[want] != NULL)
        want++;
    for (uint32_t i = 0; i < n && i < want; i++)
        assert_string_equal(hits[i].spec_id, ids[i]);
    assert_int_equal(n, want);
    assert_false(more);
}

#define IDS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NONE     ((const char *const[]){ NULL })

static void put_search_world(world *w)
{
    put_ireland(w); /* IE 1, 2: c012, ICT 0688, EQF 6, 2 ECTS */
    put_netherlands(w);
    proto_record r = pf_spec_record("IE:resa/mc-c013"); /* withdrawn in 2024 */
    r.u.spec.title[0].text = proto_str_c("Digital credentials for educators");
    put(w, &w->ie, PF_T_2023_01_02 + 2 * DAY, &r); /* IE 3 */
    r.u.spec.status = PROTO_STATUS_WITHDRAWN;
    put(w, &w->ie, PF_T_2024_01_01, &r);   /* IE 4 */
    r = pf_spec_record("IE:resa/mc-c014"); /* valid from 2026 only */
    r.u.spec.isced = proto_str_c("0613");
    r.u.spec.valid_from_ms = T_2026_01_01;
    put(w, &w->ie, PF_T_2024_01_01, &r); /* IE 5 */
}

static void test_search_filters(void **state)
{
    world *w = *state;
    query_filter f;
    put_search_world(w);
    uint64_t at = PF_T_2025_03_01;

    memset(&f, 0, sizeof(f));
    expect_search(w, &f, at, IDS(PF_SPEC_ID, NL_TH_SPEC, NL_UVH_SPEC, NL_MBO_SPEC));
    /* As of 2023: only the Irish specs then active, c013 not yet withdrawn. */
    expect_search(w, &f, PF_T_2023_01_02 + 2 * DAY, IDS(PF_SPEC_ID, "IE:resa/mc-c013"));
    expect_search(w, &f, PF_T_2023_01_02, NONE);
    /* c014 becomes valid in 2026. */
    expect_search(w, &f, T_2026_01_01,
                  IDS(PF_SPEC_ID, "IE:resa/mc-c014", NL_TH_SPEC, NL_UVH_SPEC, NL_MBO_SPEC));

    f.country = proto_str_c("NL");
    expect_search(w, &f, at, IDS(NL_TH_SPEC, NL_UVH_SPEC, NL_MBO_SPEC));
    f.country = proto_str_c("DE");
    expect_search(w, &f, at, NONE);
    memset(&f, 0, sizeof(f));
    f.provider = proto_str_c(NL_MBO);
    expect_search(w, &f, at, IDS(NL_MBO_SPEC));
    f.country = proto_str_c("IE"); /* provider and country disagree */
    expect_search(w, &f, at, NONE);

    memset(&f, 0, sizeof(f));
    f.eqf_min = 5;
    expect_search(w, &f, at, IDS(PF_SPEC_ID, NL_TH_SPEC));
    f.eqf_min = 0;
    f.eqf_max = 4;
    expect_search(w, &f, at, IDS(NL_UVH_SPEC, NL_MBO_SPEC));
    f.eqf_min = 4;
    expect_search(w, &f, at, IDS(NL_UVH_SPEC, NL_MBO_SPEC));

    memset(&f, 0, sizeof(f));
    f.isced = proto_str_c("06");
    expect_search(w, &f, at, IDS(PF_SPEC_ID));
    expect_search(w, &f, T_2026_01_01, IDS(PF_SPEC_ID, "IE:resa/mc-c014"));
    f.isced = proto_str_c("0416");
    expect_search(w, &f, at, IDS(NL_MBO_SPEC));
    f.isced = proto_str_c("0");
    expect_search(w, &f, at, IDS(PF_SPEC_ID, NL_TH_SPEC, NL_UVH_SPEC, NL_MBO_SPEC));
    f.isced = proto_str_c("09");
    expect_search(w, &f, at, NONE);

    memset(&f, 0, sizeof(f));
    f.ects_min_centi = 300;
    expect_search(w, &f, at, IDS(NL_TH_SPEC, NL_UVH_SPEC, NL_MBO_SPEC));
    f.ects_min_centi = 301;
    expect_search(w, &f, at, IDS(NL_MBO_SPEC));

    memset(&f, 0, sizeof(f));
    f.text = proto_str_c("KOFFIEZET");
    expect_search(w, &f, at, IDS(NL_UVH_SPEC));
    f.text = proto_str_c("micro");
    expect_search(w, &f, at, IDS(PF_SPEC_ID, NL_UVH_SPEC, NL_MBO_SPEC));
    f.country = proto_str_c("NL");
    f.ects_min_centi = 400;
    expect_search(w, &f, at, IDS(NL_MBO_SPEC));

    /* A spec that moves to another field is found under the new one only, and once. */
    proto_record r = uvh_spec();
    r.u.spec.isced = proto_str_c("0511");
    put(w, &w->nl, T_2025_01_01, &r);
    memset(&f, 0, sizeof(f));
    f.isced = proto_str_c("05");
    expect_search(w, &f, at, IDS(NL_UVH_SPEC));
    f.isced = proto_str_c("0588");
    expect_search(w, &f, at, NONE);
    expect_search(w, &f, T_2025_01_01 - 1, IDS(NL_UVH_SPEC));
    f.isced = proto_str_c("0511");
    expect_search(w, &f, T_2025_01_01 - 1, NONE);

    /* Bad filters. */
    query_hit hit;
    uint32_t n;
    bool more;
    memset(&f, 0, sizeof(f));
    assert_int_equal(search(w, &f, at, NULL, 0, &hit, &n, &more), RN_EINVAL);
    assert_int_equal(search(w, &f, at, NULL, RN_SEARCH_RESULTS_MAX + 1, &hit, &n, &more),
                     RN_EINVAL);
    f.eqf_min = 6;
    f.eqf_max = 5;
    assert_int_equal(search(w, &f, at, NULL, 1, &hit, &n, &more), RN_EINVAL);
    f.eqf_min = 9;
    f.eqf_max = 0;
    assert_int_equal(search(w, &f, at, NULL, 1, &hit, &n, &more), RN_EINVAL);
    memset(&f, 0, sizeof(f));
    f.country = proto_str_c("XX");
    assert_int_equal(search(w, &f, at, NULL, 1, &hit, &n, &more), RN_ECOUNTRY);
}

static void test_search_paging(void **state)
{
    world *w = *state;
    query_filter f;
    query_hit hits[2];
    uint32_t n;
    bool more;
    put_search_world(w);
    uint64_t at = PF_T_2025_03_01;
    const char *all[] = { PF_SPEC_ID, NL_TH_SPEC, NL_UVH_SPEC, NL_MBO_SPEC };

    memset(&f, 0, sizeof(f));
    /* Pages of one, of two, each from the cursor of the page before. */
    for (uint32_t limit = 1; limit <= 2; limit++) {
        char after[QUERY_ID_CAP] = "";
        uint32_t seen = 0;
        do {
            assert_int_equal(search(w, &f, at, after, limit, hits, &n, &more), 0);
            for (uint32_t i = 0; i < n; i++)
                assert_string_equal(hits[i].spec_id, all[seen + i]);
            seen += n;
            assert_int_equal(more, seen < 4);
            if (n > 0)
                snprintf(after, sizeof(after), "%s", hits[n - 1].spec_id);
        } while (more);
        assert_int_equal(seen, 4);
    }
    /* The entry of each hit is its latest version as of at. */
    assert_int_equal(search(w, &f, at, NULL, 1, hits, &n, &more), 0);
    assert_memory_equal(hits[0].entry.author, w->ie.pk, PROTO_KEY_BYTES);
    assert_int_equal(hits[0].entry.seq, 2);
    /* A cursor that is no spec id, between ids, and past the end. */
    assert_int_equal(search(w, &f, at, "IE:zzz", 2, hits, &n, &more), 0);
    assert_int_equal(n, 2);
    assert_string_equal(hits[0].spec_id, NL_TH_SPEC);
    assert_true(more);
    assert_int_equal(search(w, &f, at, "ZZ", 2, hits, &n, &more), 0);
    assert_int_equal(n, 0);
    assert_false(more);
    /* Paging within a country, with a cursor before the country's range. */
    f.country = proto_str_c("NL");
    assert_int_equal(search(w, &f, at, "AT:x", 1, hits, &n, &more), 0);
    assert_int_equal(n, 1);
    assert_string_equal(hits[0].spec_id, NL_TH_SPEC);
    assert_true(more);
    assert_int_equal(search(w, &f, at, NL_UVH_SPEC, 2, hits, &n, &more), 0);
    assert_int_equal(n, 1);
    assert_string_equal(hits[0].spec_id, NL_MBO_SPEC);
    assert_false(more);
    /* Within an ISCED-F merge. */
    memset(&f, 0, sizeof(f));
    f.isced = proto_str_c("0");
    assert_int_equal(search(w, &f, at, PF_SPEC_ID, 2, hits, &n, &more), 0);
    assert_int_equal(n, 2);
    assert_string_equal(hits[0].spec_id, NL_TH_SPEC);
    assert_string_equal(hits[1].spec_id, NL_UVH_SPEC);
    assert_true(more);
}

/* Every hit says what a list of results shows: title (English, else the first), ECTS, EQF
 * level, and its provider's name and status as of at. */
static void test_search_hits(void **state)
{
    world *w = *state;
    static query_hit hits[8];
    uint32_t n = 0;
    bool more = false;
    query_filter f;
    put_search_world(w);
    memset(&f, 0, sizeof(f));
    f.country = proto_str_c("NL");
    assert_int_equal(search(w, &f, PF_T_2025_03_01, NULL, 8, hits, &n, &more), 0);
    assert_int_equal(n, 3);
    assert_string_equal(hits[0].spec_id, NL_TH_SPEC);
    assert_string_equal(hits[0].title,
                        "Minor: Jedi Mind Control and Advanced Meditation Practices");
    assert_string_equal(hits[0].title_lang, "en");
    assert_int_equal(hits[0].ects_centi, 300);
    assert_int_equal(hits[0].eqf, 6);
    assert_string_equal(hits[0].provider_id, NL_TH);
    assert_string_equal(hits[0].provider_name, "Naboo Theed University");
    assert_int_equal(hits[0].provider_status, PROTO_PROVIDER_ACTIVE);
    assert_string_equal(hits[2].spec_id, NL_MBO_SPEC);
    assert_string_equal(hits[2].title_lang, "nl");
    assert_int_equal(hits[2].ects_centi, 857);
    assert_string_equal(hits[2].provider_name, "MBO Beek");

    /* An English title is preferred to the first one; a suspended provider is shown so. */
    proto_record r = uvh_spec();
    r.u.spec.title[0].lang = proto_str_c("de");
    r.u.spec.title[0].text = proto_str_c("Grundlagen der Verwandlung");
    r.u.spec.title_n = 3;
    r.u.spec.title[1].lang = proto_str_c("en");
    r.u.spec.title[1].text = proto_str_c("Basic transmutation");
    r.u.spec.title[2].lang = proto_str_c("nl");
    r.u.spec.title[2].text =
        proto_str_c("Microcredential Basisomzetting Kat naar Koffiezetapparaat");
    put(w, &w->nl, T_2025_01_01, &r);
    proto_record p = nl_provider(NL_UVH, "Universiteit van Harderwijk");
    p.u.provider.status = PROTO_PROVIDER_SUSPENDED;
    put(w, &w->nl, T_2025_01_01, &p);
    f.provider = proto_str_c(NL_UVH);
    assert_int_equal(search(w, &f, PF_T_2025_03_01, NULL, 8, hits, &n, &more), 0);
    assert_int_equal(n, 1);
    assert_string_equal(hits[0].title, "Basic transmutation");
    assert_string_equal(hits[0].title_lang, "en");
    assert_int_equal(hits[0].provider_status, PROTO_PROVIDER_SUSPENDED);
    assert_int_equal(search(w, &f, T_2025_01_01 - 1, NULL, 8, hits, &n, &more), 0);
    assert_int_equal(n, 1);
    assert_string_equal(hits[0].title, "Microcredential Basisomzetting Kat naar Koffiezetapparaat");
    assert_int_equal(hits[0].provider_status, PROTO_PROVIDER_ACTIVE);
}

/* One rule for a spec whose provider does not exist as of at (issue 10): search does not list
 * what recognise refuses, and lists it once the provider is there. */
static void test_search_provider_missing(void **state)
{
    world *w = *state;
    query_filter f;
    query_recognition a;
    put_ireland(w);
    proto_record r = pf_spec_record("IE:resa/orphan");
    r.u.spec.provider = proto_str_c("IE:resa/nobody");
    put(w, &w->ie, PF_T_2024_01_01, &r);
    memset(&f, 0, sizeof(f));
    f.country = proto_str_c("IE");

    assert_int_equal(ask(w, "IE:resa/orphan", "FR", FR, PF_T_2025_03_01, &a), RN_ENOTFOUND);
    expect_search(w, &f, PF_T_2025_03_01, IDS(PF_SPEC_ID));
    f.provider = proto_str_c("IE:resa/nobody");
    expect_search(w, &f, PF_T_2025_03_01, NONE);

    /* The provider arrives: from its time on, both answer. */
    proto_record p = pf_provider_record();
    p.u.provider.id = proto_str_c("IE:resa/nobody");
    put(w, &w->ie, T_2025_01_01, &p);
    expect_search(w, &f, T_2025_01_01 - 1, NONE);
    expect_search(w, &f, PF_T_2025_03_01, IDS("IE:resa/orphan"));
    assert_int_equal(ask(w, "IE:resa/orphan", "FR", FR, PF_T_2025_03_01, &a), 0);
    memset(&f, 0, sizeof(f));
    f.country = proto_str_c("IE");
    expect_search(w, &f, PF_T_2025_03_01, IDS(PF_SPEC_ID, "IE:resa/orphan"));
}

/* ---- recognise: the terms and the statuses ---- */

static void test_terms(void **state)
{
    world *w = *state;
    query_recognition a;
    put_ireland(w);

    /* Every answer names the spec and its provider, and their statuses. */
    assert_int_equal(ask(w, PF_SPEC_ID, "FR", FR, PF_T_2025_03_01, &a), 0);
    assert_int_equal(a.result, PROTO_RESULT_NO_DECISION);
    assert_int_equal(a.spec_status, PROTO_STATUS_ACTIVE);
    assert_int_equal(a.provider_status, PROTO_PROVIDER_ACTIVE);
    assert_int_equal(a.spec_title_n, 1);
    assert_string_equal(a.spec_title[0].lang, "en");
    assert_string_equal(a.spec_title[0].text, "Digital micro-credential creation");
    assert_int_equal(a.spec_ects_centi, 200);
    assert_int_equal(a.spec_eqf, 6);
    assert_string_equal(a.provider_name, "University of Zed");
    assert_int_equal(a.terms.valid_from_ms, 0);
    assert_string_equal(a.terms.conditions, "");

    /* A decision: its terms. */
    proto_record d = decision("FR:dec/2024-0042", PF_SPEC_ID, FR, PROTO_OUTCOME_PARTIAL,
                              PF_T_2024_09_01, PF_T_2027_09_01);
    d.u.decision.appeal = proto_str_c("Recours gracieux auprès du centre ENIC-NARIC France.");
    put(w, &w->fr, PF_T_2024_09_01, &d); /* FR 1 */
    assert_int_equal(ask(w, PF_SPEC_ID, "FR", FR, PF_T_2025_03_01, &a), 0);
    assert_int_equal(a.result, PROTO_RESULT_DECISION);
    assert_int_equal(a.terms.has_ects, d.u.decision.has_ects);
    assert_int_equal(a.terms.ects_centi, d.u.decision.ects_centi);
    assert_int_equal(a.terms.eqf, d.u.decision.eqf);
    assert_int_equal(a.terms.differences_n, 1);
    assert_int_equal(a.terms.differences[0].type, PROTO_DIFFERENCE_WORKLOAD);
    assert_string_equal(a.terms.differences[0].note, "Charge de travail insuffisante.");
    assert_string_equal(a.terms.appeal, "Recours gracieux auprès du centre ENIC-NARIC France.");
    assert_int_equal(a.terms.valid_from_ms, PF_T_2024_09_01);
    assert_int_equal(a.terms.valid_until_ms, PF_T_2027_09_01);
    assert_string_equal(a.terms.supersedes, "");

    /* A conditional decision that supersedes it: its conditions, and what it supersedes. */
    proto_record d2 =
        decision("FR:dec/2025-0007", PF_SPEC_ID, FR, PROTO_OUTCOME_CONDITIONAL, T_2025_01_01, 0);
    d2.u.decision.supersedes = proto_str_c("FR:dec/2024-0042");
    put(w, &w->fr, T_2025_01_01, &d2); /* FR 2 */
    assert_int_equal(ask(w, PF_SPEC_ID, "FR", FR, PF_T_2025_03_01, &a), 0);
    assert_string_equal(a.basis_id, "FR:dec/2025-0007");
    assert_string_equal(a.terms.conditions, "Un module de mise à niveau en sécurité.");
    assert_string_equal(a.terms.supersedes, "FR:dec/2024-0042");
    assert_string_equal(a.terms.appeal,
                        "Recours gracieux auprès du centre ENIC-NARIC France sous deux mois.");
    assert_int_equal(a.terms.differences_n, 0);
    assert_int_equal(a.terms.valid_until_ms, 0);

    /* A policy: its conditions and validity; no decision terms. */
    proto_record pol = policy("DE:pol/ict", PROTO_OUTCOME_CONDITIONAL, "06");
    put(w, &w->de, PF_T_2024_09_01, &pol);
    assert_int_equal(ask(w, PF_SPEC_ID, "DE", FR, PF_T_2025_03_01, &a), 0);
    assert_int_equal(a.result, PROTO_RESULT_AUTOMATIC);
    assert_string_equal(a.terms.conditions, "Entretien avec le jury.");
    assert_int_equal(a.terms.valid_from_ms, pol.u.policy.valid_from_ms);
    assert_int_equal(a.terms.valid_until_ms, pol.u.policy.valid_until_ms);
    assert_false(a.terms.has_ects);
    assert_int_equal(a.terms.eqf, 0);
    assert_string_equal(a.terms.supersedes, "");

    /* The spec is withdrawn and the provider suspended: the decision still answers (credentials
     * issued before need recognising), and the answer says both, as of at. */
    proto_record spec = pf_spec_record(PF_SPEC_ID);
    spec.u.spec.status = PROTO_STATUS_WITHDRAWN;
    put(w, &w->ie, T_2025_01_01 + DAY, &spec);
    proto_record prov = pf_provider_record();
    prov.u.provider.status = PROTO_PROVIDER_SUSPENDED;
    put(w, &w->ie, T_2025_01_01 + 2 * DAY, &prov);
    assert_int_equal(ask(w, PF_SPEC_ID, "FR", FR, PF_T_2025_03_01, &a), 0);
    assert_int_equal(a.result, PROTO_RESULT_DECISION);
    assert_int_equal(a.outcome, PROTO_OUTCOME_CONDITIONAL);
    assert_int_equal(a.spec_status, PROTO_STATUS_WITHDRAWN);
    assert_int_equal(a.provider_status, PROTO_PROVIDER_SUSPENDED);
    assert_int_equal(ask(w, PF_SPEC_ID, "FR", FR, T_2025_01_01 + DAY, &a), 0);
    assert_int_equal(a.spec_status, PROTO_STATUS_WITHDRAWN);
    assert_int_equal(a.provider_status, PROTO_PROVIDER_ACTIVE);
    assert_int_equal(ask(w, PF_SPEC_ID, "FR", FR, T_2025_01_01, &a), 0);
    assert_int_equal(a.spec_status, PROTO_STATUS_ACTIVE);
    prov.u.provider.status = PROTO_PROVIDER_WITHDRAWN;
    put(w, &w->ie, T_2025_01_01 + 3 * DAY, &prov);
    assert_int_equal(ask(w, PF_SPEC_ID, "FR", FR, PF_T_2025_03_01, &a), 0);
    assert_int_equal(a.provider_status, PROTO_PROVIDER_WITHDRAWN);
}

/* ---- verify ---- */

static int verify(world *w, const query_claim *c, const char *cc, uint32_t purpose, uint64_t at,
                  query_verification *out)
{
    store_read r;
    mp_buf b;
    mp_buf_init(&b, RN_PROOF_BYTES_MAX);
    assert_int_equal(store_query_begin(&w->s, &r), 0);
    int rc = query_verify(&r, c, cc, purpose, at, out, &b);
    if (rc == 0) {
        char spec[QUERY_ID_CAP];
        snprintf(spec, sizeof(spec), "%.*s", (int)c->spec_id.len, (const char *)c->spec_id.ptr);
        check_bundle(w, &b, &out->recognition, spec, cc, purpose, at, c->credential, out->revoked);
        assert_int_equal(out->valid, out->spec_ok && out->issuer_ok && !out->revoked);
        /* The recognition is recognise's. */
        query_recognition a;
        assert_int_equal(query_recognise(&r, c->spec_id, cc, purpose, at, &a, NULL), 0);
        assert_true(test_recognition_equal(&a, &out->recognition));
    }
    store_read_end(&r);
    mp_buf_free(&b);
    return rc;
}

static void test_verify(void **state)
{
    world *w = *state;
    author k1, k2, k3;
    uint8_t cred[PROTO_DIGEST_BYTES], other[PROTO_DIGEST_BYTES];
    query_verification v;

    author_init(&k1, '1');
    author_init(&k2, '2');
    author_init(&k3, '3');
    crypto_generichash(cred, sizeof(cred), (const uint8_t *)PF_CREDENTIAL_URN,
                       strlen(PF_CREDENTIAL_URN), NULL, 0);
    memset(other, 0x5a, sizeof(other));

    /* The provider signs with k1 from 2023, and k3 until mid-2024; k2 is added in 2025. */
    proto_record r = pf_provider_record();
    r.u.provider.issuer_keys_n = 2;
    r.u.provider.issuer_keys[0] = (proto_issuer_key){ k1.pk, PF_T_2023_01_02, 0 };
    r.u.provider.issuer_keys[1] = (proto_issuer_key){ k3.pk, PF_T_2023_01_02, PF_T_2024_06_01 };
    put(w, &w->ie, PF_T_2023_01_02, &r); /* IE 1 */
    proto_record spec = pf_spec_record(PF_SPEC_ID);
    put(w, &w->ie, PF_T_2023_01_02 + DAY, &spec); /* IE 2 */
    r.u.provider.issuer_keys_n = 3;
    r.u.provider.issuer_keys[2] = (proto_issuer_key){ k2.pk, T_2025_01_01, 0 };
    put(w, &w->ie, T_2025_01_01, &r); /* IE 3 */
    proto_record d =
        decision("FR:dec/2024-0042", PF_SPEC_ID, FR, PROTO_OUTCOME_FULL, PF_T_2024_09_01, 0);
    put(w, &w->fr, PF_T_2024_09_01, &d);

    query_claim c = { proto_str_c(PF_SPEC_ID), k1.pk, PF_T_2024_01_01, cred };
    /* A valid claim, recognised in full by France. */
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2025_03_01, &v), 0);
    assert_true(v.valid && v.spec_ok && v.issuer_ok);
    assert_false(v.revoked);
    assert_int_equal(v.revocation.seq, 0);
    assert_int_equal(v.recognition.result, PROTO_RESULT_DECISION);
    assert_int_equal(v.recognition.outcome, PROTO_OUTCOME_FULL);
    /* No decision in Germany, still valid. */
    assert_int_equal(verify(w, &c, "DE", EM, PF_T_2025_03_01, &v), 0);
    assert_true(v.valid);
    assert_int_equal(v.recognition.result, PROTO_RESULT_NO_DECISION);

    /* k2 signed before its window (2025 on): the issuer fails, even asked after 2025. */
    c.issuer_key = k2.pk;
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2025_03_01, &v), 0);
    assert_false(v.issuer_ok);
    assert_int_equal(v.issuer_reason, QUERY_ISSUER_KEY_NOT_YET_VALID);
    assert_false(v.valid);
    assert_true(v.spec_ok);
    /* ... and after its registration it is fine. */
    c.issued_at_ms = T_2025_01_01;
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2025_03_01, &v), 0);
    assert_true(v.valid);
    /* k3 before and after its end; an unknown key. */
    c.issuer_key = k3.pk;
    c.issued_at_ms = PF_T_2024_06_01 - 1;
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2025_03_01, &v), 0);
    assert_true(v.issuer_ok);
    c.issued_at_ms = PF_T_2024_06_01;
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2025_03_01, &v), 0);
    assert_false(v.issuer_ok);
    c.issuer_key = w->ie.pk;
    c.issued_at_ms = PF_T_2024_01_01;
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2025_03_01, &v), 0);
    assert_false(v.issuer_ok);
    /* Issued the day before the spec's entry, within the spec's dates (valid from the end of
     * 2022): valid, the spec registered retroactively, the key not (listed from IE 1 on). */
    c.issuer_key = k1.pk;
    c.issued_at_ms = PF_T_2023_01_02;
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2025_03_01, &v), 0);
    assert_true(v.spec_ok);
    assert_true(v.issuer_ok);
    assert_true(v.valid);
    assert_true(v.spec_retroactive);
    assert_int_equal(v.spec_registered_ms, PF_T_2023_01_02 + DAY);
    assert_false(v.key_retroactive);
    assert_int_equal(v.key_registered_ms, PF_T_2023_01_02);
    /* Issued before the spec's dates. */
    c.issued_at_ms = PF_T_2022_12_31_23H - 1;
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2025_03_01, &v), 0);
    assert_int_equal(v.spec_reason, QUERY_SPEC_NOT_YET_VALID);
    assert_false(v.valid);

    /* The credential is revoked in June 2025 (entry and date). */
    proto_record rv = pf_revocation_record(cred);
    rv.u.revocation.revoked_at_ms = T_2025_01_01 + DAY;
    uint64_t rseq = put(w, &w->ie, T_2025_01_01 + DAY, &rv); /* IE 4 */
    c.issued_at_ms = PF_T_2024_01_01;
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2025_03_01, &v), 0);
    assert_true(v.revoked);
    assert_false(v.valid);
    assert_int_equal(v.revocation.seq, rseq);
    assert_memory_equal(v.revocation.author, w->ie.pk, PROTO_KEY_BYTES);
    /* As of before the revocation: not revoked. Another credential: not revoked. */
    assert_int_equal(verify(w, &c, "FR", FR, T_2025_01_01, &v), 0);
    assert_false(v.revoked);
    assert_true(v.valid);
    c.credential = other;
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2025_03_01, &v), 0);
    assert_false(v.revoked);
    c.credential = cred;

    /* The spec is withdrawn in 2025: credentials issued before are fine, after are not. */
    spec.u.spec.status = PROTO_STATUS_WITHDRAWN;
    put(w, &w->ie, T_2025_01_01 + 2 * DAY, &spec); /* IE 5 */
    c.credential = other;
    c.issued_at_ms = T_2025_01_01 + DAY;
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2025_03_01, &v), 0);
    assert_true(v.spec_ok && v.valid);
    c.issued_at_ms = T_2025_01_01 + 2 * DAY;
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2025_03_01, &v), 0);
    assert_false(v.spec_ok);
    assert_true(v.issuer_ok);
    assert_false(v.valid);

    /* A revocation dated after the question does not count yet (a bundle could not carry it). */
    uint8_t third[PROTO_DIGEST_BYTES];
    memset(third, 0x33, sizeof(third));
    rv = pf_revocation_record(third);
    rv.u.revocation.revoked_at_ms = T_2026_01_01;
    put(w, &w->ie, T_2025_01_01 + 3 * DAY, &rv); /* IE 6 */
    c.credential = third;
    c.issued_at_ms = PF_T_2024_01_01;
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2025_03_01, &v), 0);
    assert_false(v.revoked);
    assert_int_equal(verify(w, &c, "FR", FR, T_2026_01_01, &v), 0);
    assert_true(v.revoked);
    assert_int_equal(verify(w, &c, "FR", FR, QUERY_AT_NOW, &v), 0);
    assert_true(v.revoked);

    /* Errors: recognise's, and missing claim fields. */
    c.spec_id = proto_str_c("IE:resa/none");
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2025_03_01, &v), RN_ENOTFOUND);
    c.spec_id = proto_str_c(PF_SPEC_ID);
    assert_int_equal(verify(w, &c, "AT", FR, PF_T_2025_03_01, &v), RN_ECOUNTRY);
    c.credential = NULL;
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2025_03_01, &v), RN_EINVAL);
}

/* Each failed check says why; a credential issued while its provider was suspended fails for
 * that reason, whatever its key. */
static void test_verify_reasons(void **state)
{
    world *w = *state;
    author k1, k2;
    uint8_t cred[PROTO_DIGEST_BYTES];
    query_verification v;
    author_init(&k1, '1');
    author_init(&k2, '2');
    memset(cred, 0x44, sizeof(cred));

    /* k1 from a day after the provider's entry until 2025; the spec valid from the end of 2022
     * until 2027. */
    proto_record prov = pf_provider_record();
    prov.u.provider.issuer_keys_n = 1;
    prov.u.provider.issuer_keys[0] =
        (proto_issuer_key){ k1.pk, PF_T_2023_01_02 + DAY, T_2025_01_01 };
    put(w, &w->ie, PF_T_2023_01_02, &prov); /* IE 1 */
    proto_record spec = pf_spec_record(PF_SPEC_ID);
    spec.u.spec.valid_until_ms = PF_T_2027_09_01;
    uint64_t spec_seq = put(w, &w->ie, PF_T_2023_01_02, &spec); /* IE 2 */

    query_claim c = { proto_str_c(PF_SPEC_ID), k1.pk, PF_T_2024_01_01, cred };
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2025_03_01, &v), 0);
    assert_true(v.valid);
    assert_int_equal(v.spec_reason, QUERY_SPEC_OK);
    assert_int_equal(v.issuer_reason, QUERY_ISSUER_OK);
    assert_int_equal(v.spec_at_issue.seq, spec_seq);
    assert_int_equal(v.issuer_provider.seq, 1);
    assert_string_equal(v.issuer_provider_id, PF_PROVIDER_ID);

    /* The key's window: before, after; another key. */
    c.issued_at_ms = T_2025_01_01;
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2025_03_01, &v), 0);
    assert_int_equal(v.issuer_reason, QUERY_ISSUER_KEY_EXPIRED);
    assert_false(v.issuer_ok);
    c.issued_at_ms = PF_T_2023_01_02;
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2025_03_01, &v), 0);
    assert_int_equal(v.issuer_reason, QUERY_ISSUER_KEY_NOT_YET_VALID);
    assert_int_equal(v.spec_reason, QUERY_SPEC_OK);
    /* ... issued before the spec's and the provider's entries: the spec's dates hold then (it is
     * registered retroactively), the key's do not. The checks rest on the versions as known at
     * at. */
    c.issued_at_ms = PF_T_2023_01_02 - 1;
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2025_03_01, &v), 0);
    assert_int_equal(v.spec_reason, QUERY_SPEC_OK);
    assert_true(v.spec_retroactive);
    assert_int_equal(v.spec_at_issue.seq, spec_seq);
    assert_int_equal(v.issuer_reason, QUERY_ISSUER_KEY_NOT_YET_VALID);
    assert_int_equal(v.issuer_provider.seq, 1);
    assert_true(v.key_retroactive); /* listed by the provider's entry, after the issue date */
    assert_int_equal(v.key_registered_ms, PF_T_2023_01_02);
    c.issuer_key = k2.pk;
    c.issued_at_ms = PF_T_2024_01_01;
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2025_03_01, &v), 0);
    assert_int_equal(v.issuer_reason, QUERY_ISSUER_KEY_UNKNOWN);
    c.issuer_key = k1.pk;

    /* The spec's own window. */
    c.issued_at_ms = PF_T_2027_09_01;
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2025_03_01, &v), 0);
    assert_int_equal(v.spec_reason, QUERY_SPEC_EXPIRED);
    assert_false(v.spec_ok);

    /* The provider is suspended on 2024-06-01, reinstated on 2024-09-01, withdrawn in 2025. */
    prov.u.provider.status = PROTO_PROVIDER_SUSPENDED;
    uint64_t susp = put(w, &w->ie, PF_T_2024_06_01, &prov); /* IE 3 */
    prov.u.provider.status = PROTO_PROVIDER_ACTIVE;
    put(w, &w->ie, PF_T_2024_09_01, &prov); /* IE 4 */
    c.issued_at_ms = PF_T_2024_06_01 + DAY;
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2025_03_01, &v), 0);
    assert_false(v.issuer_ok);
    assert_false(v.valid);
    assert_int_equal(v.issuer_reason, QUERY_ISSUER_PROVIDER_SUSPENDED);
    /* The status at the issue date is the suspension's (IE 3); the version the check rests on
     * is the latest as known at at (IE 4). */
    assert_int_equal(v.issuer_provider.seq, susp + 1);
    assert_int_equal(v.issuer_provider.timestamp_ms, PF_T_2024_09_01);
    /* Known at a time within the suspension, the suspension holds from its entry on. */
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2024_06_01 + 2 * DAY, &v), 0);
    assert_int_equal(v.issuer_reason, QUERY_ISSUER_PROVIDER_SUSPENDED);
    /* Issued before the suspension, or after the reinstatement: fine. */
    c.issued_at_ms = PF_T_2024_06_01 - 1;
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2025_03_01, &v), 0);
    assert_true(v.valid);
    c.issued_at_ms = PF_T_2024_09_01;
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2025_03_01, &v), 0);
    assert_true(v.valid);
    /* The answer also states the provider's status as of at (active again). */
    assert_int_equal(v.recognition.provider_status, PROTO_PROVIDER_ACTIVE);

    prov.u.provider.status = PROTO_PROVIDER_WITHDRAWN;
    put(w, &w->ie, T_2025_01_01 - 2 * DAY, &prov); /* IE 5 */
    spec.u.spec.status = PROTO_STATUS_WITHDRAWN;
    put(w, &w->ie, T_2025_01_01 - DAY, &spec); /* IE 6 */
    c.issued_at_ms = T_2025_01_01 - 2 * DAY;
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2025_03_01, &v), 0);
    assert_int_equal(v.issuer_reason, QUERY_ISSUER_PROVIDER_WITHDRAWN);
    assert_int_equal(v.spec_reason, QUERY_SPEC_OK);
    c.issued_at_ms = T_2025_01_01 - DAY;
    assert_int_equal(verify(w, &c, "FR", FR, PF_T_2025_03_01, &v), 0);
    assert_int_equal(v.spec_reason, QUERY_SPEC_WITHDRAWN);
    assert_int_equal(v.recognition.spec_status, PROTO_STATUS_WITHDRAWN);
    assert_int_equal(v.recognition.provider_status, PROTO_PROVIDER_WITHDRAWN);

    /* The names the control API writes. */
    assert_string_equal(query_issuer_reason_name(QUERY_ISSUER_PROVIDER_SUSPENDED),
                        "provider_suspended");
    assert_string_equal(query_issuer_reason_name(QUERY_ISSUER_OK), "ok");
    assert_string_equal(query_spec_reason_name(QUERY_SPEC_NOT_YET_VALID), "not_yet_valid");
    assert_null(query_spec_reason_name(99));
    assert_null(query_issuer_reason_name(99));
}

/* ---- Two times: known at and valid at ---- */

/* recognise as known at `at` and valid at `valid`, its bundle checked (it carries valid_at when
 * the two differ); with valid = at, query_recognise's answer. */
static int ask_valid(world *w, const char *spec, const char *cc, uint32_t purpose, uint64_t at,
                     uint64_t valid, query_recognition *out)
{
    store_read r;
    mp_buf b;
    mp_buf_init(&b, RN_PROOF_BYTES_MAX);
    assert_int_equal(store_query_begin(&w->s, &r), 0);
    int rc = query_recognise_valid(&r, proto_str_c(spec), cc, purpose, at, valid, out, &b);
    if (rc == 0) {
        proto_proof p;
        assert_int_equal(proto_proof_verify(b.data, b.len, &w->s.roster, &p, NULL), 0);
        uint64_t ca = at > RN_TIME_MS_MAX ? RN_TIME_MS_MAX : at;
        uint64_t cv = valid > RN_TIME_MS_MAX ? RN_TIME_MS_MAX : valid;
        assert_int_equal(p.query.at_ms, ca);
        assert_int_equal(p.query.has_valid_at, cv != ca);
        assert_int_equal(proto_proof_valid_at(&p.query), cv);
        assert_int_equal(p.answer.result, out->result);
        if (cv == ca) {
            query_recognition plain;
            assert_int_equal(query_recognise(&r, proto_str_c(spec), cc, purpose, at, &plain, NULL),
                             0);
            assert_true(test_recognition_equal(&plain, out));
        }
    }
    store_read_end(&r);
    mp_buf_free(&b);
    return rc;
}

static int verify_valid(world *w, const query_claim *c, uint64_t at, uint64_t valid,
                        query_verification *out)
{
    store_read r;
    assert_int_equal(store_query_begin(&w->s, &r), 0);
    int rc = query_verify_valid(&r, c, "FR", FR, at, valid, out, NULL);
    store_read_end(&r);
    return rc;
}

/* The number of hits of a search for the spec's provider, known at `at`, valid at `valid`. */
static uint32_t search_valid(world *w, uint64_t at, uint64_t valid)
{
    store_read r;
    query_hit hits[4];
    uint32_t n = 0;
    bool more;
    query_filter f = { .provider = proto_str_c(PF_PROVIDER_ID) };
    assert_int_equal(store_query_begin(&w->s, &r), 0);
    assert_int_equal(
        query_search_valid(&r, &f, at, valid, (proto_str){ NULL, 0 }, 4, hits, &n, &more), 0);
    store_read_end(&r);
    return n;
}

/* An authority's history arrives late: its provider (a key valid since 2022) and its spec (valid
 * from the end of 2022) are published in 2026. A credential issued on 2024-08-30 verifies as known
 * now, says that both records were registered afterwards, and is unknown as known before 2026.
 * Statuses change from their entries on; dates are those of the latest version as known at at. */
static void test_bitemporal(void **state)
{
    world *w = *state;
    author k1;
    uint8_t cred[PROTO_DIGEST_BYTES];
    query_verification v;
    query_recognition a;
    author_init(&k1, '1');
    memset(cred, 0x61, sizeof(cred));
    const uint64_t T_2022 = PF_T_2021_01_01 + 365 * DAY;

    proto_record prov = pf_provider_record();
    prov.u.provider.issuer_keys_n = 1;
    prov.u.provider.issuer_keys[0] = (proto_issuer_key){ k1.pk, T_2022, 0 };
    put(w, &w->ie, T_2026_01_01, &prov); /* IE 1 */
    proto_record spec = pf_spec_record(PF_SPEC_ID);
    put(w, &w->ie, T_2026_01_01 + DAY, &spec); /* IE 2 */
    proto_record d = decision("FR:dec/2026-1", PF_SPEC_ID, FR, PROTO_OUTCOME_FULL, PF_T_2024_09_01,
                              PF_T_2027_09_01);
    put(w, &w->fr, T_2026_01_01 + 2 * DAY, &d); /* FR 1 */
    const uint64_t now = T_2026_01_01 + 10 * DAY;

    query_claim c = { proto_str_c(PF_SPEC_ID), k1.pk, T_2024_08_30, cred };
    assert_int_equal(verify(w, &c, "FR", FR, now, &v), 0);
    assert_true(v.valid && v.spec_ok && v.issuer_ok);
    assert_true(v.spec_retroactive && v.key_retroactive);
    assert_int_equal(v.spec_registered_ms, T_2026_01_01 + DAY);
    assert_int_equal(v.key_registered_ms, T_2026_01_01);
    assert_int_equal(v.recognition.result, PROTO_RESULT_DECISION);
    /* Known before the records were published: nothing to say. */
    assert_int_equal(verify(w, &c, "FR", FR, T_2025_01_01, &v), RN_ENOTFOUND);
    assert_int_equal(ask_valid(w, PF_SPEC_ID, "FR", FR, T_2025_01_01, T_2024_08_30, &a),
                     RN_ENOTFOUND);
    /* Issued at the key's registration or after: not retroactive. */
    c.issued_at_ms = now;
    assert_int_equal(verify(w, &c, "FR", FR, now, &v), 0);
    assert_true(v.valid);
    assert_false(v.spec_retroactive || v.key_retroactive);

    /* The decision, as known now, at valid times before, in and after its window. */
    assert_int_equal(ask_valid(w, PF_SPEC_ID, "FR", FR, now, T_2024_08_30, &a), 0);
    assert_int_equal(a.result, PROTO_RESULT_NO_DECISION);
    assert_int_equal(ask_valid(w, PF_SPEC_ID, "FR", FR, now, PF_T_2024_09_01, &a), 0);
    assert_int_equal(a.result, PROTO_RESULT_DECISION);
    assert_int_equal(ask_valid(w, PF_SPEC_ID, "FR", FR, now, PF_T_2027_09_01, &a), 0);
    assert_int_equal(a.result, PROTO_RESULT_NO_DECISION);
    assert_int_equal(ask_valid(w, PF_SPEC_ID, "FR", FR, now, now, &a), 0);
    assert_int_equal(a.result, PROTO_RESULT_DECISION);
    /* Known before the decision's entry, valid in its window: no decision. */
    assert_int_equal(ask_valid(w, PF_SPEC_ID, "FR", FR, T_2026_01_01 + DAY, PF_T_2025_03_01, &a),
                     0);
    assert_int_equal(a.result, PROTO_RESULT_NO_DECISION);
    /* verify's recognition and revocation at the valid time. */
    c.issued_at_ms = T_2024_08_30;
    assert_int_equal(verify_valid(w, &c, now, T_2024_08_30, &v), 0);
    assert_true(v.valid);
    assert_int_equal(v.recognition.result, PROTO_RESULT_NO_DECISION);

    /* The spec is withdrawn on T_2026 + 20 days: active at every valid time before its entry,
     * withdrawn after; a credential issued before it stays valid. */
    spec.u.spec.status = PROTO_STATUS_WITHDRAWN;
    put(w, &w->ie, T_2026_01_01 + 20 * DAY, &spec); /* IE 3 */
    assert_int_equal(ask_valid(w, PF_SPEC_ID, "FR", FR, QUERY_AT_NOW, T_2025_01_01, &a), 0);
    assert_int_equal(a.spec_status, PROTO_STATUS_ACTIVE);
    assert_int_equal(ask_valid(w, PF_SPEC_ID, "FR", FR, QUERY_AT_NOW, QUERY_AT_NOW, &a), 0);
    assert_int_equal(a.spec_status, PROTO_STATUS_WITHDRAWN);
    assert_int_equal(search_valid(w, QUERY_AT_NOW, T_2025_01_01), 1);
    assert_int_equal(search_valid(w, QUERY_AT_NOW, T_2026_01_01 + 20 * DAY), 0);
    assert_int_equal(search_valid(w, T_2026_01_01 + 19 * DAY, T_2026_01_01 + 20 * DAY), 1);
    assert_int_equal(verify(w, &c, "FR", FR, QUERY_AT_NOW, &v), 0);
    assert_true(v.spec_ok && v.valid);
    c.issued_at_ms = T_2026_01_01 + 20 * DAY;
    assert_int_equal(verify(w, &c, "FR", FR, QUERY_AT_NOW, &v), 0);
    assert_int_equal(v.spec_reason, QUERY_SPEC_WITHDRAWN);

    /* The provider drops k1 on T_2026 + 30 days: withdrawn from then on, still valid before. */
    prov.u.provider.issuer_keys[0] = (proto_issuer_key){ w->ie.pk, T_2022, 0 };
    put(w, &w->ie, T_2026_01_01 + 30 * DAY, &prov); /* IE 4 */
    c.issued_at_ms = T_2024_08_30;
    assert_int_equal(verify(w, &c, "FR", FR, QUERY_AT_NOW, &v), 0);
    assert_true(v.issuer_ok);
    assert_int_equal(v.issuer_provider.seq, 4);
    c.issued_at_ms = T_2026_01_01 + 30 * DAY;
    assert_int_equal(verify(w, &c, "FR", FR, QUERY_AT_NOW, &v), 0);
    assert_int_equal(v.issuer_reason, QUERY_ISSUER_KEY_UNKNOWN);
    /* A correction of a wrong date: k1 listed again, valid only from 2025. As known now the
     * correction counts; as known before it, the first window. */
    prov.u.provider.issuer_keys[0] = (proto_issuer_key){ k1.pk, T_2025_01_01, 0 };
    put(w, &w->ie, T_2026_01_01 + 40 * DAY, &prov); /* IE 5 */
    c.issued_at_ms = T_2024_08_30;
    assert_int_equal(verify(w, &c, "FR", FR, QUERY_AT_NOW, &v), 0);
    assert_int_equal(v.issuer_reason, QUERY_ISSUER_KEY_NOT_YET_VALID);
    assert_int_equal(v.key_registered_ms, T_2026_01_01);
    assert_int_equal(verify(w, &c, "FR", FR, T_2026_01_01 + 39 * DAY, &v), 0);
    assert_true(v.issuer_ok);

    /* The provider is suspended (T_2026 + 50 days): a withdrawal of the past is said by the dates
     * (the key's end), the status from its entry on. */
    prov.u.provider.status = PROTO_PROVIDER_SUSPENDED;
    prov.u.provider.issuer_keys[0] = (proto_issuer_key){ k1.pk, T_2022, T_2025_01_01 };
    put(w, &w->ie, T_2026_01_01 + 50 * DAY, &prov); /* IE 6 */
    assert_int_equal(verify(w, &c, "FR", FR, QUERY_AT_NOW, &v), 0);
    assert_true(v.issuer_ok); /* 2024-08-30: the key's window, the provider active then */
    c.issued_at_ms = T_2025_01_01;
    assert_int_equal(verify(w, &c, "FR", FR, QUERY_AT_NOW, &v), 0);
    assert_int_equal(v.issuer_reason, QUERY_ISSUER_KEY_EXPIRED);
    c.issued_at_ms = T_2026_01_01 + 50 * DAY;
    assert_int_equal(verify(w, &c, "FR", FR, QUERY_AT_NOW, &v), 0);
    assert_int_equal(v.issuer_reason, QUERY_ISSUER_PROVIDER_SUSPENDED);
}

/* ---- stack ---- */

static int stack(world *w, const char *cc, const char *pathway, const char *const *ids, uint64_t at,
                 query_stack_result *out)
{
    proto_str s[RN_STACK_SPECS_MAX + 1];
    size_t n = 0;
    store_read r;
    while (ids[n] != NULL) {
        s[n] = proto_str_c(ids[n]);
        n++;
    }
    assert_int_equal(store_query_begin(&w->s, &r), 0);
    int rc = query_stack(&r, cc, proto_str_c(pathway), s, n, at, out);
    store_read_end(&r);
    return rc;
}

#define PW "NL:pw/ict-minor"

static void test_stack(void **state)
{
    world *w = *state;
    query_stack_result *out = malloc(sizeof(*out));
    assert_non_null(out);
    put_search_world(w);

    /* A Dutch pathway of 5 ECTS: the Irish spec is mandatory, Harderwijk's eligible, and any Dutch
     * business spec of EQF 4-5 with at least 5 ECTS counts. */
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_PATHWAY;
    proto_pathway *p = &r.u.pathway;
    p->id = proto_str_c(PW);
    p->title_n = 1;
    p->title[0].lang = proto_str_c("nl");
    p->title[0].text = proto_str_c("Minor digitale vaardigheden");
    p->eqf = 5;
    p->ects_min_centi = 500;
    p->mandatory_n = 1;
    p->mandatory[0] = proto_str_c(PF_SPEC_ID);
    p->eligible_n = 1;
    p->eligible[0] = proto_str_c(NL_UVH_SPEC);
    p->rule.eqf_min = 4;
    p->rule.eqf_max = 5;
    p->rule.isced_prefixes_n = 1;
    p->rule.isced_prefixes[0] = proto_str_c("04");
    p->rule.issuer_countries_n = 1;
    p->rule.issuer_countries[0] = proto_str_c("NL");
    p->rule.ects_min_centi = 500;
    p->valid_from_ms = T_2024_08_30;
    p->status = PROTO_STATUS_ACTIVE;
    uint64_t pseq = put(w, &w->nl, PF_T_2024_09_01, &r);
    uint64_t at = PF_T_2025_03_01;

    /* Mandatory + eligible: 2 + 3 ECTS, complete. */
    assert_int_equal(stack(w, "NL", PW, IDS(PF_SPEC_ID, NL_UVH_SPEC), at, out), 0);
    assert_int_equal(out->pathway.seq, pseq);
    assert_true(out->active);
    assert_false(out->forked);
    assert_int_equal(out->items_n, 2);
    assert_int_equal(out->items[0].status, QUERY_STACK_MANDATORY);
    assert_int_equal(out->items[1].status, QUERY_STACK_ELIGIBLE);
    assert_true(out->items[0].counted && out->items[1].counted);
    assert_string_equal(out->items[1].spec_id, NL_UVH_SPEC);
    assert_int_equal(out->items[1].ects_centi, 300);
    assert_int_equal(out->total_ects_centi, 500);
    assert_int_equal(out->ects_min_centi, 500);
    assert_int_equal(out->missing_n, 0);
    assert_true(out->complete);

    /* Missing the mandatory spec. */
    assert_int_equal(stack(w, "NL", PW, IDS(NL_UVH_SPEC, NL_MBO_SPEC), at, out), 0);
    assert_int_equal(out->missing_n, 1);
    assert_string_equal(out->missing[0], PF_SPEC_ID);
    assert_int_equal(out->items[1].status, QUERY_STACK_RULE);
    assert_int_equal(out->total_ects_centi, 300 + 857);
    assert_false(out->complete);

    /* Rule-eligible (MBO Beek, business, EQF 4, 8.57 ECTS) completes it; the Jedi minor (EQF 6,
     * ISCED-F 03) and the withdrawn Irish spec do not count; an unknown id, a duplicate. */
    assert_int_equal(stack(w, "NL", PW,
                           IDS(PF_SPEC_ID, NL_MBO_SPEC, NL_TH_SPEC, "IE:resa/mc-c013",
                               "DE:vhs/unknown", NL_MBO_SPEC),
                           at, out),
                     0);
    assert_int_equal(out->items_n, 6);
    assert_int_equal(out->items[1].status, QUERY_STACK_RULE);
    assert_int_equal(out->items[2].status, QUERY_STACK_NOT_ELIGIBLE);
    assert_false(out->items[2].counted);
    assert_int_equal(out->items[3].status, QUERY_STACK_WITHDRAWN);
    assert_false(out->items[3].counted);
    assert_int_equal(out->items[4].status, QUERY_STACK_UNKNOWN);
    assert_int_equal(out->items[4].ects_centi, 0);
    assert_int_equal(out->items[5].status, QUERY_STACK_RULE);
    assert_true(out->items[5].duplicate);
    assert_false(out->items[1].duplicate);
    assert_int_equal(out->total_ects_centi, 200 + 857);
    assert_true(out->complete);

    /* The mandatory Irish spec is withdrawn in 2025: it no longer counts, and is missing. */
    proto_record wd = pf_spec_record(PF_SPEC_ID);
    wd.u.spec.status = PROTO_STATUS_WITHDRAWN;
    put(w, &w->ie, T_2025_01_01 + DAY, &wd);
    assert_int_equal(stack(w, "NL", PW, IDS(PF_SPEC_ID, NL_MBO_SPEC), at, out), 0);
    assert_int_equal(out->items[0].status, QUERY_STACK_WITHDRAWN);
    assert_false(out->items[0].counted);
    assert_int_equal(out->items[0].ects_centi, 200);
    assert_int_equal(out->total_ects_centi, 857);
    assert_int_equal(out->missing_n, 1);
    assert_string_equal(out->missing[0], PF_SPEC_ID);
    assert_false(out->complete);
    /* As of before the withdrawal it counts. */
    assert_int_equal(stack(w, "NL", PW, IDS(PF_SPEC_ID, NL_MBO_SPEC), T_2025_01_01, out), 0);
    assert_int_equal(out->items[0].status, QUERY_STACK_MANDATORY);
    assert_true(out->complete);
    at = T_2025_01_01;

    /* Too little: the mandatory spec alone. */
    assert_int_equal(stack(w, "NL", PW, IDS(PF_SPEC_ID, PF_SPEC_ID), at, out), 0);
    assert_int_equal(out->total_ects_centi, 200);
    assert_false(out->complete);

    /* From the pathway's entry on, and not before. */
    assert_int_equal(stack(w, "NL", PW, IDS(PF_SPEC_ID, NL_UVH_SPEC), PF_T_2024_09_01, out), 0);
    assert_true(out->complete);
    assert_int_equal(stack(w, "NL", PW, IDS(PF_SPEC_ID), PF_T_2024_09_01 - 1, out), RN_ENOTFOUND);

    /* The pathway is withdrawn: nothing completes it any more. */
    p->status = PROTO_STATUS_WITHDRAWN;
    put(w, &w->nl, T_2025_01_01, &r);
    assert_int_equal(stack(w, "NL", PW, IDS(PF_SPEC_ID, NL_UVH_SPEC), at, out), 0);
    assert_false(out->active);
    assert_int_equal(out->total_ects_centi, 500);
    assert_false(out->complete);
    assert_int_equal(stack(w, "NL", PW, IDS(PF_SPEC_ID, NL_UVH_SPEC), T_2025_01_01 - 1, out), 0);
    assert_true(out->complete);

    /* Errors. */
    assert_int_equal(stack(w, "FR", PW, IDS(PF_SPEC_ID), at, out), RN_EPREFIX);
    assert_int_equal(stack(w, "NL", "NL:pw/none", IDS(PF_SPEC_ID), at, out), RN_ENOTFOUND);
    assert_int_equal(stack(w, "XX", PW, IDS(PF_SPEC_ID), at, out), RN_ECOUNTRY);
    assert_int_equal(stack(w, "NL", PW, IDS("bad id"), at, out), RN_EID);
    store_read rd;
    proto_str many[RN_STACK_SPECS_MAX + 1];
    for (size_t i = 0; i <= RN_STACK_SPECS_MAX; i++)
        many[i] = proto_str_c(PF_SPEC_ID);
    assert_int_equal(store_query_begin(&w->s, &rd), 0);
    assert_int_equal(query_stack(&rd, "NL", proto_str_c(PW), many, RN_STACK_SPECS_MAX, at, out), 0);
    assert_int_equal(out->items_n, RN_STACK_SPECS_MAX);
    assert_int_equal(out->total_ects_centi, 200);
    assert_int_equal(query_stack(&rd, "NL", proto_str_c(PW), many, RN_STACK_SPECS_MAX + 1, at, out),
                     RN_EINVAL);
    assert_int_equal(query_stack(&rd, "NL", proto_str_c(PW), NULL, 0, at, out), 0);
    assert_int_equal(out->missing_n, 1);
    store_read_end(&rd);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_decision, setup, teardown),
        cmocka_unit_test_setup_teardown(test_superseded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_purpose, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy, setup, teardown),
        cmocka_unit_test(test_policy_matches),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roster_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_reasons, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bitemporal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_hits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_provider_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_terms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stack, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
