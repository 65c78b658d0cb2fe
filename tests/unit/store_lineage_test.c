/*
 * store_lineage_test.c: the replica under the governed roster (store.h, "Authors by the governed
 * roster"): who may author by the author table, key rotations planned and compromised, a removed
 * authority, a country's decisions by its old and new keys, the chain and the index of roster
 * entries kept across a restart.
 *
 * Every test builds a real chain (proto/rosterchain.h): a genesis of three authorities (IE, FR,
 * NL) and a mirror, then changes signed by a quorum of them, applied, persisted with
 * store_chain_append and installed with store_authors_set. Entries are genuinely signed; the
 * records are the ELM sample micro-credential of Ireland's University of Zed, French recognition
 * decisions on it, and the Dutch Open Badges sample provider. Each test ends with store_check.
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

#include "proto/authors.h"
#include "proto/record.h"
#include "proto/rosterchain.h"
#include "store/query.h"
#include "store/statuslist.h"
#include "store/store.h"
#include "store/store_internal.h"
#include "tests/support/fixtures.h"

#include "testutil.h"

#define S(s) proto_str_c(s)

#define T_2022_12_31 1672527600000ull
#define T_2024_09_01 1725148800000ull
#define T_LOG        1767225600000ull /* 2026-01-01 */
#define T_NOW        (T_LOG + 1000000000ull)

/* ---- Keys ---- */

typedef struct author {
    const char *label;
    const char *country; /* "" for the mirror */
    uint8_t pk[PROTO_KEY_BYTES];
    uint8_t sk[PROTO_SK_BYTES];
} author;

enum { A_IE, A_FR, A_NL, A_MIRROR, A_IE2, A_FR2, A_COUNT };
static uint8_t issuer_pk[PROTO_KEY_BYTES];
static author authors[A_COUNT] = {
    [A_IE] = { "ie", "IE" },       [A_FR] = { "fr", "FR" },   [A_NL] = { "nl", "NL" },
    [A_MIRROR] = { "mirror", "" }, [A_IE2] = { "ie2", "IE" }, [A_FR2] = { "fr2", "FR" },
};

static int keys_setup(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    for (int i = 0; i < A_COUNT; i++) {
        uint8_t seed[32];
        char label[64];
        snprintf(label, sizeof(label), "store lineage test %s", authors[i].label);
        crypto_generichash(seed, 32, (const uint8_t *)label, strlen(label), NULL, 0);
        crypto_sign_seed_keypair(authors[i].pk, authors[i].sk, seed);
    }
    uint8_t isk[PROTO_SK_BYTES], seed[32] = { 7 };
    crypto_sign_seed_keypair(issuer_pk, isk, seed);
    return 0;
}

/* ---- Bodies ---- */

typedef struct body {
    uint8_t b[16384];
    size_t len;
} body;

static void encode(const proto_record *r, body *out)
{
    mp_buf b;
    mp_buf_init(&b, sizeof(out->b));
    assert_int_equal(proto_record_encode(r, &b), 0);
    memcpy(out->b, b.data, b.len);
    out->len = b.len;
    mp_buf_free(&b);
}

static void provider_uniz(body *out)
{
    proto_record r;
    fx_elm_provider(&r, "IE:uniz");
    proto_provider *p = &r.u.provider;
    p->issuer_keys_n = 1;
    p->issuer_keys[0] = (proto_issuer_key){ issuer_pk, T_2022_12_31, 0 };
    p->url = S("https://uniz.edu");
    encode(&r, out);
}

static void spec_zed(body *out, const char *id)
{
    proto_record r;
    fx_elm_spec(&r, id, "IE:uniz");
    encode(&r, out);
}

static void provider_theed(body *out)
{
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_PROVIDER;
    proto_provider *p = &r.u.provider;
    p->id = S("NL:theed");
    p->legal_name = S("Naboo Theed University");
    p->country = S("NL");
    p->qa_status = PROTO_QA_UNDER_REVIEW;
    p->status = PROTO_PROVIDER_ACTIVE;
    encode(&r, out);
}

static void spec_theed(body *out)
{
    proto_record r;
    fx_elm_spec(&r, "NL:theed/mc-2", "NL:theed");
    encode(&r, out);
}

/* A French decision `id` on spec `spec` with outcome `outcome`, superseding `supersedes`. */
static void decision_fr(body *out, const char *id, const char *spec, uint32_t outcome,
                        const char *supersedes)
{
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_DECISION;
    proto_decision *x = &r.u.decision;
    x->id = S(id);
    x->spec = S(spec);
    x->purpose = PROTO_PURPOSE_FURTHER_STUDY;
    x->outcome = outcome;
    x->has_ects = true;
    x->ects_centi = 200;
    x->eqf = 6;
    if (outcome == PROTO_OUTCOME_PARTIAL) {
        x->differences_n = 1;
        x->differences[0] = (proto_difference){
            PROTO_DIFFERENCE_LEARNING_OUTCOMES,
            S("The outcome on creativity is not assessed against a stated standard.")
        };
    }
    if (outcome == PROTO_OUTCOME_CONDITIONAL)
        x->conditions = S("A portfolio of two created micro-credentials.");
    x->valid_from_ms = T_2024_09_01;
    x->supersedes = S(supersedes);
    encode(&r, out);
}

static void succession(body *out, const author *pred, uint64_t last_seq, const uint8_t *last_id)
{
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_SUCCESSION;
    r.u.succession.predecessor = pred->pk;
    r.u.succession.last_seq = last_seq;
    r.u.succession.last_id = last_seq > 0 ? last_id : NULL;
    encode(&r, out);
}

static void roster_record(body *out, const uint8_t *doc, size_t len)
{
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_ROSTER;
    r.u.roster.change = (proto_str){ doc, (uint32_t)len };
    encode(&r, out);
}

/* A revocation by IE of credential digest {n, ...} issued by IE:uniz, at status index n. */
static void revocation_uniz(body *out, uint8_t n)
{
    static uint8_t cred[4][PROTO_DIGEST_BYTES];
    proto_record r;
    memset(&r, 0, sizeof(r));
    memset(cred[n % 4], 0x5a, PROTO_DIGEST_BYTES);
    cred[n % 4][0] = n;
    r.kind = PROTO_KIND_REVOCATION;
    r.u.revocation.credential = cred[n % 4];
    r.u.revocation.provider = S("IE:uniz");
    r.u.revocation.reason = PROTO_REASON_ISSUED_IN_ERROR;
    r.u.revocation.revoked_at_ms = T_2024_09_01;
    r.u.revocation.has_status_index = true;
    r.u.revocation.status_index = n;
    encode(&r, out);
}

/* ---- Logs ---- */

#define LOG_MAX 16

typedef struct alog {
    const author *a;
    size_t n;
    proto_str raw[LOG_MAX];
    uint8_t id[LOG_MAX][PROTO_ID_BYTES];
} alog;

static void log_init(alog *l, const author *a)
{
    memset(l, 0, sizeof(*l));
    l->a = a;
}

static void log_free(alog *l)
{
    for (size_t i = 0; i < l->n; i++)
        free((void *)l->raw[i].ptr);
    l->n = 0;
}

/* Signs the next entry of l; returns its seq. */
static uint64_t log_add(alog *l, uint64_t ts, proto_kind kind, const body *b)
{
    static uint8_t buf[RN_ENTRY_BYTES_MAX];
    size_t len;
    assert_true(l->n < LOG_MAX);
    proto_entry_draft dr = { .seq = l->n + 1,
                             .prev = l->n == 0 ? NULL : l->id[l->n - 1],
                             .timestamp_ms = ts,
                             .kind = kind,
                             .body = b->b,
                             .body_len = b->len };
    assert_int_equal(proto_entry_sign(&dr, l->a->sk, buf, sizeof(buf), &len), 0);
    uint8_t *e = malloc(len);
    assert_non_null(e);
    memcpy(e, buf, len);
    l->raw[l->n] = (proto_str){ e, (uint32_t)len };
    proto_entry_id(e, len, l->id[l->n]);
    return ++l->n;
}

/* Ingests entries from..to (1-based, inclusive) of l; returns store_ingest's result. */
static int ingest(store *s, const alog *l, size_t from, size_t to, rn_diag *d)
{
    store_ingest_result res;
    rn_diag local = { 0 };
    return store_ingest(s, &l->raw[from - 1], to - from + 1, &res, d != NULL ? d : &local);
}

/* ---- The replica and its chain ---- */

typedef struct fixture {
    char dir[64];
    store s;
    proto_rosterchain ch;
} fixture;

static void authors_install(fixture *f)
{
    proto_authors a;
    assert_int_equal(proto_authors_build(&a, &f->ch), 0);
    assert_int_equal(store_authors_set(&f->s, &a), 0);
    proto_authors_free(&a);
}

static int fx_setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/recnet-lineage-test-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    assert_int_equal(store_open(&f->s, f->dir, NULL), 0);
    proto_roster r;
    assert_int_equal(proto_roster_init(&r, 8), 0);
    for (int i = A_IE; i <= A_MIRROR; i++) {
        const author *a = &authors[i];
        proto_role role = i == A_MIRROR ? PROTO_ROLE_MIRROR : PROTO_ROLE_AUTHORITY;
        assert_int_equal(proto_roster_add(&r, a->country, strlen(a->country), role, a->pk), 0);
    }
    mp_buf b;
    mp_buf_init(&b, RN_ROSTERCHAIN_GENESIS_BYTES_MAX);
    assert_int_equal(proto_rosterchain_genesis_encode("test federation", 15, PROTO_QUORUM_MAJORITY,
                                                      T_LOG - 1000, &r, &b),
                     0);
    rn_diag d = { 0 };
    assert_int_equal(proto_rosterchain_init(&f->ch, b.data, b.len, &d), 0);
    assert_int_equal(store_chain_append(&f->s, b.data, b.len), 0);
    mp_buf_free(&b);
    proto_roster_free(&r);
    authors_install(f);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    fixture *f = *state;
    store_check_result cr;
    assert_int_equal(store_check(&f->s, &cr), 0);
    store_close(&f->s);
    proto_rosterchain_free(&f->ch);
    (void)test_rmtree(f->dir);
    free(f);
    return 0;
}

static void reopen(fixture *f)
{
    store_close(&f->s);
    assert_int_equal(store_open(&f->s, f->dir, NULL), 0);
}

/* Applies a change of one op, signed by the keys `signers` (A_COUNT-terminated), to the chain,
 * persists it and installs the new table. Returns the change document's bytes in *doc (owned by
 * the caller) when doc is not NULL. */
static void change(fixture *f, const proto_rc_op *op, uint64_t issued_at, const int *signers,
                   mp_buf *doc)
{
    proto_rc_change *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    assert_int_equal(proto_rosterchain_change_start(&f->ch, issued_at, c), 0);
    c->ops[c->ops_n++] = *op;
    for (const int *k = signers; *k != A_COUNT; k++)
        assert_int_equal(proto_rosterchain_change_sign(c, authors[*k].sk, authors[*k].pk), 0);
    rn_diag d = { 0 };
    assert_int_equal(proto_rosterchain_apply(&f->ch, c, &d), 0);
    mp_buf b;
    mp_buf_init(&b, RN_ROSTERCHAIN_CHANGE_BYTES_MAX);
    assert_int_equal(proto_rosterchain_change_encode(c, &b), 0);
    assert_int_equal(store_chain_append(&f->s, b.data, b.len), 0);
    if (doc != NULL)
        *doc = b;
    else
        mp_buf_free(&b);
    free(c);
    authors_install(f);
}

static void op_rotate(proto_rc_op *op, int from, int to)
{
    memset(op, 0, sizeof(*op));
    op->type = PROTO_RC_ROTATE;
    memcpy(op->key, authors[from].pk, PROTO_KEY_BYTES);
    memcpy(op->new_key, authors[to].pk, PROTO_KEY_BYTES);
}

static void op_compromised(proto_rc_op *op, int from, int to, uint64_t last_seq,
                           const uint8_t *last_id)
{
    memset(op, 0, sizeof(*op));
    op->type = PROTO_RC_ROTATE_COMPROMISED;
    memcpy(op->key, authors[from].pk, PROTO_KEY_BYTES);
    memcpy(op->new_key, authors[to].pk, PROTO_KEY_BYTES);
    op->last_seq = last_seq;
    if (last_seq > 0)
        memcpy(op->last_id, last_id, PROTO_ID_BYTES);
}

/* ---- Queries ---- */

/* recognise (spec, FR) now: returns its error; *out filled on 0. */
static int recognise(store *s, const char *spec, query_recognition *out)
{
    store_read r;
    assert_int_equal(store_query_begin(s, &r), 0);
    int rc = query_recognise(&r, S(spec), "FR", PROTO_PURPOSE_FURTHER_STUDY, T_NOW, out, NULL);
    store_read_end(&r);
    return rc;
}

/* store_cut_off_get of spec `id` as of `at`. */
static int withdrawn(store *s, const char *id, uint64_t at, store_version *v)
{
    store_read r;
    assert_int_equal(store_query_begin(s, &r), 0);
    int rc = store_cut_off_get(&r, PROTO_KIND_SPEC, (const uint8_t *)id, strlen(id), at, v);
    store_read_end(&r);
    return rc;
}

/* The number of specs a search of country `cc` finds now. */
static uint32_t search_count(store *s, const char *cc)
{
    store_read r;
    query_filter flt;
    static query_hit hits[16];
    uint32_t n = 0;
    bool more = false;
    memset(&flt, 0, sizeof(flt));
    flt.country = S(cc);
    assert_int_equal(store_query_begin(s, &r), 0);
    assert_int_equal(query_search(&r, &flt, T_NOW, (proto_str){ NULL, 0 }, 16, hits, &n, &more), 0);
    store_read_end(&r);
    return n;
}

static bool version_held(store *s, proto_kind kind, const char *rid)
{
    store_read r;
    store_version v;
    assert_int_equal(store_query_begin(s, &r), 0);
    int rc = store_version_get(&r, kind, (const uint8_t *)rid, strlen(rid), UINT64_MAX, &v);
    store_read_end(&r);
    assert_true(rc == 0 || rc == RN_ENOTFOUND);
    return rc == 0;
}

/* IE's log: its provider, then specs mc-c012 and mc-c013. */
static void log_ie(alog *l)
{
    body b;
    log_init(l, &authors[A_IE]);
    provider_uniz(&b);
    log_add(l, T_LOG, PROTO_KIND_PROVIDER, &b);
    spec_zed(&b, "IE:uniz/mc-c012");
    log_add(l, T_LOG + 100, PROTO_KIND_SPEC, &b);
    spec_zed(&b, "IE:uniz/mc-c013");
    log_add(l, T_LOG + 200, PROTO_KIND_SPEC, &b);
}

/* ---- Planned rotation ---- */

static void test_planned_rotation(void **state)
{
    fixture *f = *state;
    alog ie, fr, fr2, bad;
    body b;
    rn_diag d = { 0 };
    query_recognition q;

    log_ie(&ie);
    assert_int_equal(ingest(&f->s, &ie, 1, 3, NULL), 0);
    /* FR under its first key: a decision on each spec. */
    log_init(&fr, &authors[A_FR]);
    decision_fr(&b, "FR:enic-naric/dec-1", "IE:uniz/mc-c012", PROTO_OUTCOME_PARTIAL, NULL);
    log_add(&fr, T_LOG + 1000, PROTO_KIND_DECISION, &b);
    decision_fr(&b, "FR:enic-naric/dec-x", "IE:uniz/mc-c013", PROTO_OUTCOME_PARTIAL, NULL);
    log_add(&fr, T_LOG + 2000, PROTO_KIND_DECISION, &b);
    assert_int_equal(ingest(&f->s, &fr, 1, 2, NULL), 0);

    /* FR rotates to FR2, signed by the old key and the quorum. */
    proto_rc_op op;
    op_rotate(&op, A_FR, A_FR2);
    change(f, &op, T_LOG + 3000, (const int[]){ A_FR, A_IE, A_COUNT }, NULL);
    uint64_t cut;
    assert_int_equal(store_succession_cut(&f->s, authors[A_FR].pk, &cut), RN_ENOTFOUND);

    /* Until FR2's succession is seen, FR's entries are still accepted (cut unknown). */
    decision_fr(&b, "FR:enic-naric/dec-9", "IE:uniz/mc-c012", PROTO_OUTCOME_FULL,
                "FR:enic-naric/dec-x");
    log_add(&fr, T_LOG + 4000, PROTO_KIND_DECISION, &b);
    assert_int_equal(ingest(&f->s, &fr, 3, 3, NULL), 0);
    assert_int_equal(recognise(&f->s, "IE:uniz/mc-c012", &q), 0);
    assert_string_equal(q.basis_id, "FR:enic-naric/dec-9");
    assert_int_equal(recognise(&f->s, "IE:uniz/mc-c013", &q), 0);
    assert_int_equal(q.result, PROTO_RESULT_NO_DECISION); /* dec-9 superseded dec-x */

    /* FR2's first entry must be its succession. */
    log_init(&bad, &authors[A_FR2]);
    decision_fr(&b, "FR:enic-naric/dec-3", "IE:uniz/mc-c012", PROTO_OUTCOME_FULL, NULL);
    log_add(&bad, T_LOG + 5000, PROTO_KIND_DECISION, &b);
    assert_int_equal(ingest(&f->s, &bad, 1, 1, &d), RN_EINCONSISTENT);
    assert_string_equal(d.field, "succession");
    log_free(&bad);
    /* A succession dated at or before the predecessor's entry it names. */
    log_init(&bad, &authors[A_FR2]);
    succession(&b, &authors[A_FR], 2, fr.id[1]);
    log_add(&bad, T_LOG + 2000, PROTO_KIND_SUCCESSION, &b);
    assert_int_equal(ingest(&f->s, &bad, 1, 1, &d), RN_ETIME);
    log_free(&bad);
    /* One that names an id FR never had at that seq. */
    log_init(&bad, &authors[A_FR2]);
    succession(&b, &authors[A_FR], 2, fr.id[0]);
    log_add(&bad, T_LOG + 5000, PROTO_KIND_SUCCESSION, &b);
    assert_int_equal(ingest(&f->s, &bad, 1, 1, &d), RN_EINCONSISTENT);
    log_free(&bad);

    /* FR2: the succession keeps FR's log up to seq 2, then supersedes dec-1 and writes a new
     * version of dec-x. */
    log_init(&fr2, &authors[A_FR2]);
    succession(&b, &authors[A_FR], 2, fr.id[1]);
    log_add(&fr2, T_LOG + 5000, PROTO_KIND_SUCCESSION, &b);
    decision_fr(&b, "FR:enic-naric/dec-3", "IE:uniz/mc-c012", PROTO_OUTCOME_CONDITIONAL,
                "FR:enic-naric/dec-1");
    log_add(&fr2, T_LOG + 6000, PROTO_KIND_DECISION, &b);
    assert_int_equal(ingest(&f->s, &fr2, 1, 2, NULL), 0);
    assert_int_equal(store_succession_cut(&f->s, authors[A_FR].pk, &cut), 0);
    assert_int_equal(cut, 2);
    /* A restart before any index pass: the cut comes back from the replica and the purge of
     * dec-9 runs with the pass store_open makes. */
    reopen(f);
    assert_int_equal(store_succession_cut(&f->s, authors[A_FR].pk, &cut), 0);
    assert_int_equal(cut, 2);
    store_read rd;
    store_version v;
    assert_int_equal(store_snapshot_begin(&f->s, &rd), 0);
    assert_int_equal(store_version_get(&rd, PROTO_KIND_DECISION,
                                       (const uint8_t *)"FR:enic-naric/dec-9", 19, UINT64_MAX, &v),
                     RN_ENOTFOUND);
    store_read_end(&rd);

    /* FR's dec-9, past the cut, no longer answers; FR2's dec-3 does. */
    assert_int_equal(recognise(&f->s, "IE:uniz/mc-c012", &q), 0);
    assert_string_equal(q.basis_id, "FR:enic-naric/dec-3");
    assert_memory_equal(q.basis.author, authors[A_FR2].pk, PROTO_KEY_BYTES);
    assert_int_equal(q.outcome, PROTO_OUTCOME_CONDITIONAL);
    /* FR's dec-x, made under the old key, answers for France again: dec-9, which superseded it,
     * lies past FR's cut. */
    assert_int_equal(recognise(&f->s, "IE:uniz/mc-c013", &q), 0);
    assert_string_equal(q.basis_id, "FR:enic-naric/dec-x");
    assert_memory_equal(q.basis.author, authors[A_FR].pk, PROTO_KEY_BYTES);
    /* A new version of dec-x by FR2 comes after FR's by (timestamp, seq), though its seq is
     * lower. */
    decision_fr(&b, "FR:enic-naric/dec-x", "IE:uniz/mc-c013", PROTO_OUTCOME_FULL, NULL);
    log_add(&fr2, T_LOG + 7000, PROTO_KIND_DECISION, &b);
    assert_int_equal(ingest(&f->s, &fr2, 3, 3, NULL), 0);
    assert_int_equal(recognise(&f->s, "IE:uniz/mc-c013", &q), 0);
    assert_memory_equal(q.basis.author, authors[A_FR2].pk, PROTO_KEY_BYTES);
    assert_int_equal(q.outcome, PROTO_OUTCOME_FULL);

    /* FR's entries past the cut are refused from now on. */
    decision_fr(&b, "FR:enic-naric/dec-10", "IE:uniz/mc-c012", PROTO_OUTCOME_FULL, NULL);
    log_add(&fr, T_LOG + 8000, PROTO_KIND_DECISION, &b);
    assert_int_equal(ingest(&f->s, &fr, 4, 4, &d), RN_ESUPERSEDED);

    /* The cut survives a restart, and so does the answer. */
    reopen(f);
    assert_int_equal(store_succession_cut(&f->s, authors[A_FR].pk, &cut), 0);
    assert_int_equal(cut, 2);
    assert_int_equal(ingest(&f->s, &fr, 4, 4, &d), RN_ESUPERSEDED);
    assert_int_equal(recognise(&f->s, "IE:uniz/mc-c012", &q), 0);
    assert_string_equal(q.basis_id, "FR:enic-naric/dec-3");

    log_free(&ie);
    log_free(&fr);
    log_free(&fr2);
}

/* The node's own appends follow the same rules; a succession is stamped after the entry it
 * names. */
static void test_append_succession(void **state)
{
    fixture *f = *state;
    alog fr;
    body b;
    rn_diag d = { 0 };
    uint64_t seq;

    log_init(&fr, &authors[A_FR]);
    decision_fr(&b, "FR:enic-naric/dec-1", "IE:uniz/mc-c012", PROTO_OUTCOME_PARTIAL, NULL);
    log_add(&fr, T_NOW + 5000, PROTO_KIND_DECISION, &b); /* ahead of the clock passed below */
    assert_int_equal(ingest(&f->s, &fr, 1, 1, NULL), 0);
    proto_rc_op op;
    op_rotate(&op, A_FR, A_FR2);
    change(f, &op, T_LOG + 3000, (const int[]){ A_FR, A_IE, A_COUNT }, NULL);

    decision_fr(&b, "FR:enic-naric/dec-2", "IE:uniz/mc-c012", PROTO_OUTCOME_FULL, NULL);
    assert_int_equal(store_append(&f->s, authors[A_FR2].sk, PROTO_KIND_DECISION, b.b, b.len, T_NOW,
                                  NULL, &seq, NULL, &d),
                     RN_EINCONSISTENT);
    body sb;
    succession(&sb, &authors[A_FR], 1, fr.id[0]);
    proto_str e;
    assert_int_equal(store_append(&f->s, authors[A_FR2].sk, PROTO_KIND_SUCCESSION, sb.b, sb.len,
                                  T_NOW, NULL, &seq, &e, &d),
                     0);
    assert_int_equal(seq, 1);
    proto_entry pe;
    assert_int_equal(proto_entry_decode(&pe, e.ptr, e.len, NULL), 0);
    assert_int_equal(pe.timestamp_ms, T_NOW + 5001);
    uint64_t cut;
    assert_int_equal(store_succession_cut(&f->s, authors[A_FR].pk, &cut), 0);
    assert_int_equal(cut, 1);
    store_append_item it = { PROTO_KIND_DECISION, b.b, b.len };
    static uint8_t out[RN_APPEND_BATCH_ENTRY_BYTES_MAX];
    assert_int_equal(store_append_batch(&f->s, authors[A_FR2].sk, &it, 1, T_NOW, out, sizeof(out),
                                        NULL, &seq, NULL, NULL, &d),
                     0);
    assert_int_equal(seq, 2);
    /* The old key may no longer append past its cut. */
    assert_int_equal(store_append(&f->s, authors[A_FR].sk, PROTO_KIND_DECISION, b.b, b.len, T_NOW,
                                  NULL, &seq, NULL, &d),
                     RN_ESUPERSEDED);
    log_free(&fr);
}

/* A succession that names an entry of the predecessor the replica does not hold yet: the
 * predecessor's entry at that seq is accepted later only if it is the one named. */
static void test_succession_before_predecessor(void **state)
{
    fixture *f = *state;
    alog a, b2, fr2;
    body b;
    rn_diag d = { 0 };

    log_init(&a, &authors[A_FR]);
    log_init(&b2, &authors[A_FR]);
    decision_fr(&b, "FR:enic-naric/dec-1", "IE:uniz/mc-c012", PROTO_OUTCOME_PARTIAL, NULL);
    log_add(&a, T_LOG + 1000, PROTO_KIND_DECISION, &b);
    log_add(&b2, T_LOG + 1000, PROTO_KIND_DECISION, &b);
    decision_fr(&b, "FR:enic-naric/dec-2", "IE:uniz/mc-c012", PROTO_OUTCOME_FULL, NULL);
    log_add(&a, T_LOG + 2000, PROTO_KIND_DECISION, &b);
    decision_fr(&b, "FR:enic-naric/dec-3", "IE:uniz/mc-c012", PROTO_OUTCOME_FULL, NULL);
    log_add(&b2, T_LOG + 2000, PROTO_KIND_DECISION, &b);
    assert_int_equal(ingest(&f->s, &a, 1, 1, NULL), 0);
    proto_rc_op op;
    op_rotate(&op, A_FR, A_FR2);
    change(f, &op, T_LOG + 3000, (const int[]){ A_FR, A_IE, A_COUNT }, NULL);
    log_init(&fr2, &authors[A_FR2]);
    succession(&b, &authors[A_FR], 2, b2.id[1]);
    log_add(&fr2, T_LOG + 5000, PROTO_KIND_SUCCESSION, &b);
    assert_int_equal(ingest(&f->s, &fr2, 1, 1, NULL), 0);
    assert_int_equal(ingest(&f->s, &a, 2, 2, &d), RN_ESUPERSEDED);
    assert_string_equal(d.field, "entry.seq");
    assert_int_equal(ingest(&f->s, &b2, 2, 2, NULL), 0);
    assert_true(version_held(&f->s, PROTO_KIND_DECISION, "FR:enic-naric/dec-3"));
    assert_false(version_held(&f->s, PROTO_KIND_DECISION, "FR:enic-naric/dec-2"));
    log_free(&a);
    log_free(&b2);
    log_free(&fr2);
}

/* ---- Compromised rotation ---- */

static void test_compromised_rotation(void **state)
{
    fixture *f = *state;
    alog ie, ie2, fr, bad;
    body b;
    rn_diag d = { 0 };
    query_recognition q;

    log_ie(&ie);
    assert_int_equal(ingest(&f->s, &ie, 1, 3, NULL), 0);
    log_init(&fr, &authors[A_FR]);
    decision_fr(&b, "FR:enic-naric/dec-1", "IE:uniz/mc-c012", PROTO_OUTCOME_PARTIAL, NULL);
    log_add(&fr, T_LOG + 1000, PROTO_KIND_DECISION, &b);
    decision_fr(&b, "FR:enic-naric/dec-x", "IE:uniz/mc-c013", PROTO_OUTCOME_PARTIAL, NULL);
    log_add(&fr, T_LOG + 2000, PROTO_KIND_DECISION, &b);
    assert_int_equal(ingest(&f->s, &fr, 1, 2, NULL), 0);
    assert_int_equal(search_count(&f->s, "IE"), 2);
    assert_int_equal(recognise(&f->s, "IE:uniz/mc-c013", &q), 0);

    /* IE's key is compromised: the quorum (FR, NL) keeps its log up to seq 2. */
    proto_rc_op op;
    op_compromised(&op, A_IE, A_IE2, 2, ie.id[1]);
    change(f, &op, T_LOG + 3000, (const int[]){ A_FR, A_NL, A_COUNT }, NULL);

    /* mc-c013 (IE's seq 3, held before the change) no longer exists for any query. */
    assert_int_equal(search_count(&f->s, "IE"), 1);
    assert_int_equal(recognise(&f->s, "IE:uniz/mc-c013", &q), RN_ENOTFOUND);
    assert_int_equal(recognise(&f->s, "IE:uniz/mc-c012", &q), 0);
    assert_string_equal(q.basis_id, "FR:enic-naric/dec-1");
    /* Answers can say why: its version was withdrawn (the entry named), as of its time on. */
    store_version wv;
    assert_int_equal(withdrawn(&f->s, "IE:uniz/mc-c013", UINT64_MAX, &wv), 0);
    assert_memory_equal(wv.author, authors[A_IE].pk, PROTO_KEY_BYTES);
    assert_int_equal(wv.seq, 3);
    assert_int_equal(wv.timestamp_ms, T_LOG + 200);
    assert_int_equal(withdrawn(&f->s, "IE:uniz/mc-c013", T_LOG + 200, &wv), 0);
    assert_int_equal(withdrawn(&f->s, "IE:uniz/mc-c013", T_LOG + 199, &wv), RN_ENOTFOUND);
    assert_int_equal(withdrawn(&f->s, "IE:uniz/mc-c012", UINT64_MAX, &wv), RN_ENOTFOUND);
    assert_int_equal(withdrawn(&f->s, "IE:uniz/mc-c099", UINT64_MAX, &wv), RN_ENOTFOUND);

    /* And is refused when offered again, as is anything further. */
    spec_zed(&b, "IE:uniz/mc-c014");
    log_add(&ie, T_LOG + 4000, PROTO_KIND_SPEC, &b);
    assert_int_equal(ingest(&f->s, &ie, 4, 4, &d), RN_ESUPERSEDED);
    store_ingest_result res;
    assert_int_equal(store_ingest(&f->s, &ie.raw[2], 1, &res, &d), RN_ESUPERSEDED);

    /* IE2's succession must name the op's cut. */
    log_init(&bad, &authors[A_IE2]);
    succession(&b, &authors[A_IE], 3, ie.id[2]);
    log_add(&bad, T_LOG + 5000, PROTO_KIND_SUCCESSION, &b);
    assert_int_equal(ingest(&f->s, &bad, 1, 1, &d), RN_EINCONSISTENT);
    log_free(&bad);
    log_init(&ie2, &authors[A_IE2]);
    succession(&b, &authors[A_IE], 2, ie.id[1]);
    log_add(&ie2, T_LOG + 5000, PROTO_KIND_SUCCESSION, &b);
    spec_zed(&b, "IE:uniz/mc-c015");
    log_add(&ie2, T_LOG + 6000, PROTO_KIND_SPEC, &b);
    assert_int_equal(ingest(&f->s, &ie2, 1, 2, NULL), 0);
    assert_int_equal(search_count(&f->s, "IE"), 2);

    /* Only the next version's change is kept. */
    assert_int_equal(store_chain_append(&f->s, (const uint8_t *)"\x93", 1), RN_EINVAL);
    assert_int_equal(store_chain_append(&f->s, NULL, 0), RN_EINVAL);
    {
        proto_rc_change *c = calloc(1, sizeof(*c));
        assert_non_null(c);
        assert_int_equal(proto_rosterchain_change_start(&f->ch, T_LOG + 9000, c), 0);
        c->version = 4; /* the chain is at 2 */
        c->ops_n = 1;
        c->ops[0].type = PROTO_RC_QUORUM;
        c->ops[0].quorum = 2;
        mp_buf cb;
        mp_buf_init(&cb, RN_ROSTERCHAIN_CHANGE_BYTES_MAX);
        assert_int_equal(proto_rosterchain_change_encode(c, &cb), 0);
        assert_int_equal(store_chain_append(&f->s, cb.data, cb.len), RN_EINVAL);
        mp_buf_free(&cb);
        free(c);
    }
    /* The chain and the cut come back with the replica, before any store_authors_set. */
    reopen(f);
    rn_diag ld = { 0 };
    proto_rosterchain ch;
    assert_int_equal(store_chain_load(&f->s, &ch, &ld), 0);
    assert_int_equal(proto_rosterchain_version(&ch), 2);
    assert_int_equal(ch.current.count, f->ch.current.count);
    assert_memory_equal(ch.versions[1].hash, f->ch.versions[1].hash, PROTO_ID_BYTES);
    proto_rosterchain_free(&ch);
    /* Each document comes back as kept: the genesis hashes to the federation id, version 2 to its
     * hash; no version 3 or 0. */
    for (uint64_t v = 1; v <= 2; v++) {
        uint8_t *doc = NULL, h[PROTO_ID_BYTES];
        size_t dl = 0;
        assert_int_equal(store_chain_document(&f->s, v, &doc, &dl), 0);
        assert_true(dl > 0);
        if (v == 1) {
            crypto_generichash(h, PROTO_ID_BYTES, doc, dl, NULL, 0);
            assert_memory_equal(h, f->ch.versions[0].hash, PROTO_ID_BYTES);
        } else {
            proto_rc_change *c = calloc(1, sizeof(*c));
            assert_non_null(c);
            assert_int_equal(proto_rosterchain_change_decode(c, doc, dl, NULL), 0);
            assert_int_equal(c->version, 2);
            free(c);
        }
        free(doc);
    }
    {
        uint8_t *doc = (uint8_t *)"x";
        size_t dl = 7;
        assert_int_equal(store_chain_document(&f->s, 3, &doc, &dl), RN_ENOTFOUND);
        assert_null(doc);
        assert_int_equal(dl, 0);
        assert_int_equal(store_chain_document(&f->s, 0, &doc, &dl), RN_ENOTFOUND);
    }
    assert_int_equal(((const proto_authors *)store_authors(&f->s))->version, 2);
    assert_int_equal(ingest(&f->s, &ie, 4, 4, &d), RN_ESUPERSEDED);
    /* A node that sets its configured roster first keeps the chain's table all the same. */
    assert_int_equal(store_roster_set(&f->s, &f->ch.current), 0);
    assert_int_equal(store_authors(&f->s)->version, 2);
    assert_int_equal(ingest(&f->s, &ie, 4, 4, &d), RN_ESUPERSEDED);
    assert_int_equal(search_count(&f->s, "IE"), 2);
    assert_int_equal(recognise(&f->s, "IE:uniz/mc-c013", &q), RN_ENOTFOUND);
    assert_int_equal(withdrawn(&f->s, "IE:uniz/mc-c013", UINT64_MAX, &wv), 0);
    assert_int_equal(wv.seq, 3);

    log_free(&ie);
    log_free(&ie2);
    log_free(&fr);
}

/* A compromised key that forked at the cut's seq: the entry held there is not the one the
 * quorum trusted, and is ignored as well. */
static void test_compromised_other_id(void **state)
{
    fixture *f = *state;
    alog a, b2;
    body b;
    rn_diag d = { 0 };

    log_init(&a, &authors[A_IE]);
    log_init(&b2, &authors[A_IE]);
    provider_uniz(&b);
    log_add(&a, T_LOG, PROTO_KIND_PROVIDER, &b);
    log_add(&b2, T_LOG, PROTO_KIND_PROVIDER, &b);
    spec_zed(&b, "IE:uniz/mc-c012");
    log_add(&a, T_LOG + 100, PROTO_KIND_SPEC, &b);
    spec_zed(&b, "IE:uniz/mc-c013");
    log_add(&b2, T_LOG + 100, PROTO_KIND_SPEC, &b);
    assert_int_equal(ingest(&f->s, &a, 1, 2, NULL), 0);
    assert_int_equal(search_count(&f->s, "IE"), 1);
    proto_rc_op op;
    op_compromised(&op, A_IE, A_IE2, 2, b2.id[1]);
    change(f, &op, T_LOG + 3000, (const int[]){ A_FR, A_NL, A_COUNT }, NULL);
    assert_int_equal(search_count(&f->s, "IE"), 0);
    assert_true(version_held(&f->s, PROTO_KIND_PROVIDER, "IE:uniz"));
    /* The other entry, offered to a replica that lacks it, is refused there. */
    fixture g = { 0 };
    snprintf(g.dir, sizeof(g.dir), "/tmp/recnet-lineage-test-XXXXXX");
    assert_non_null(mkdtemp(g.dir));
    assert_int_equal(store_open(&g.s, g.dir, NULL), 0);
    proto_authors t;
    assert_int_equal(proto_authors_build(&t, &f->ch), 0);
    assert_int_equal(store_authors_set(&g.s, &t), 0);
    proto_authors_free(&t);
    assert_int_equal(ingest(&g.s, &a, 1, 2, &d), RN_ESUPERSEDED);
    assert_int_equal(d.index, 2);
    assert_int_equal(ingest(&g.s, &b2, 2, 2, NULL), 0);
    assert_int_equal(search_count(&g.s, "IE"), 1);
    store_check_result cr;
    assert_int_equal(store_check(&g.s, &cr), 0);
    store_close(&g.s);
    (void)test_rmtree(g.dir);
    log_free(&a);
    log_free(&b2);
}

/* A chain held in the replica that no longer verifies (a change whose signature was damaged)
 * is not trusted at open: the replica refuses to open rather than take another table. */
static void test_chain_damaged(void **state)
{
    fixture *f = *state;
    proto_rc_op op;
    mp_buf doc;
    memset(&op, 0, sizeof(op));
    op.type = PROTO_RC_REMOVE;
    memcpy(op.key, authors[A_NL].pk, PROTO_KEY_BYTES);
    change(f, &op, T_LOG + 5000, (const int[]){ A_IE, A_FR, A_COUNT }, &doc);
    doc.data[doc.len - 1] ^= 0x01; /* the last signature's last byte */
    MDB_txn *txn;
    uint8_t kb[8] = { 0, 0, 0, 0, 0, 0, 0, 2 };
    MDB_val k = { 8, kb }, v = { doc.len, doc.data };
    assert_int_equal(mdb_txn_begin(f->s.priv->env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_put(txn, f->s.priv->dbi[STORE_DB_CHAIN], &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    store_close(&f->s);
    assert_int_equal(store_open(&f->s, f->dir, NULL), RN_ECORRUPT);
    /* Put back, it opens again with the chain's table. */
    doc.data[doc.len - 1] ^= 0x01;
    memset(&f->s, 0, sizeof(f->s));
    MDB_env *env;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, RN_STORE_DBS_MAX), 0);
    assert_int_equal(mdb_env_open(env, f->dir, 0, 0600), 0);
    MDB_dbi dbi;
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "chain", 0, &dbi), 0);
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    assert_int_equal(store_open(&f->s, f->dir, NULL), 0);
    assert_int_equal(store_authors(&f->s)->version, 2);
    mp_buf_free(&doc);
}

/* ---- Removal ---- */

static void test_removal(void **state)
{
    fixture *f = *state;
    alog nl;
    body b;
    rn_diag d = { 0 };

    log_init(&nl, &authors[A_NL]);
    provider_theed(&b);
    log_add(&nl, T_LOG, PROTO_KIND_PROVIDER, &b);
    spec_theed(&b);
    log_add(&nl, T_LOG + 10000, PROTO_KIND_SPEC, &b);
    assert_int_equal(ingest(&f->s, &nl, 1, 2, NULL), 0);
    assert_true(version_held(&f->s, PROTO_KIND_SPEC, "NL:theed/mc-2"));

    /* NL leaves at T_LOG + 5000: its spec, stamped after, is not history. */
    proto_rc_op op;
    memset(&op, 0, sizeof(op));
    op.type = PROTO_RC_REMOVE;
    memcpy(op.key, authors[A_NL].pk, PROTO_KEY_BYTES);
    change(f, &op, T_LOG + 5000, (const int[]){ A_IE, A_FR, A_COUNT }, NULL);
    assert_true(version_held(&f->s, PROTO_KIND_PROVIDER, "NL:theed"));
    assert_false(version_held(&f->s, PROTO_KIND_SPEC, "NL:theed/mc-2"));
    assert_int_equal(search_count(&f->s, "NL"), 0);
    /* The roster in force no longer has it. */
    assert_null(proto_roster_find(&f->s.roster, authors[A_NL].pk));

    /* A later entry is refused; an earlier one is still history (a replica that missed it). */
    fixture g = { 0 };
    snprintf(g.dir, sizeof(g.dir), "/tmp/recnet-lineage-test-XXXXXX");
    assert_non_null(mkdtemp(g.dir));
    assert_int_equal(store_open(&g.s, g.dir, NULL), 0);
    rn_diag ld = { 0 };
    proto_rosterchain ch;
    assert_int_equal(store_chain_load(&f->s, &ch, &ld), 0);
    proto_authors a;
    assert_int_equal(proto_authors_build(&a, &ch), 0);
    assert_int_equal(store_authors_set(&g.s, &a), 0);
    proto_authors_free(&a);
    proto_rosterchain_free(&ch);
    assert_int_equal(ingest(&g.s, &nl, 1, 2, &d), RN_ESUPERSEDED);
    assert_int_equal(d.index, 2);
    assert_true(version_held(&g.s, PROTO_KIND_PROVIDER, "NL:theed"));
    assert_false(version_held(&g.s, PROTO_KIND_SPEC, "NL:theed/mc-2"));
    store_check_result cr;
    assert_int_equal(store_check(&g.s, &cr), 0);
    assert_int_equal(cr.entries, 1);
    store_close(&g.s);
    (void)test_rmtree(g.dir);
    log_free(&nl);
}

/* ---- A provider's status list across a rotation ---- */

static store_status_counts status_of(store *s, uint8_t *bits)
{
    store_read r;
    store_status_counts c;
    assert_int_equal(store_query_begin(s, &r), 0);
    assert_int_equal(store_status_bits(&r, S("IE:uniz"), T_NOW, bits, &c), 0);
    store_read_end(&r);
    return c;
}

static void test_status_list(void **state)
{
    fixture *f = *state;
    alog ie, ie2;
    body b;
    static uint8_t bits[STORE_STATUS_BYTES];

    /* IE revokes two credentials, rotates as planned, and IE2 revokes a third; IE went on
     * writing (a fourth) before the succession, which keeps its log up to the second. */
    log_ie(&ie);
    revocation_uniz(&b, 1);
    log_add(&ie, T_LOG + 300, PROTO_KIND_REVOCATION, &b);
    revocation_uniz(&b, 2);
    log_add(&ie, T_LOG + 400, PROTO_KIND_REVOCATION, &b);
    revocation_uniz(&b, 3);
    log_add(&ie, T_LOG + 600, PROTO_KIND_REVOCATION, &b);
    assert_int_equal(ingest(&f->s, &ie, 1, 6, NULL), 0);
    assert_int_equal(status_of(&f->s, bits).revocations, 3);
    proto_rc_op op;
    op_rotate(&op, A_IE, A_IE2);
    change(f, &op, T_LOG + 500, (const int[]){ A_IE, A_FR, A_COUNT }, NULL);
    log_init(&ie2, &authors[A_IE2]);
    succession(&b, &authors[A_IE], 5, ie.id[4]);
    log_add(&ie2, T_LOG + 700, PROTO_KIND_SUCCESSION, &b);
    revocation_uniz(&b, 0);
    log_add(&ie2, T_LOG + 800, PROTO_KIND_REVOCATION, &b);
    assert_int_equal(ingest(&f->s, &ie2, 1, 2, NULL), 0);

    store_status_counts c = status_of(&f->s, bits);
    assert_int_equal(c.revocations, 3);
    assert_int_equal(c.set, 3);
    assert_int_equal(bits[0], 0x80 | 0x40 | 0x20); /* indexes 0, 1, 2; not 3 */
    assert_int_equal(c.head_seq, 2);               /* the authority in force: IE2 */
    log_free(&ie);
    log_free(&ie2);
}

/* ---- Roster entries ---- */

typedef struct seen {
    size_t n;
    uint8_t author[4][PROTO_KEY_BYTES];
    uint64_t seq[4];
} seen;

static int on_change(void *ctx, const uint8_t who[PROTO_KEY_BYTES], uint64_t seq,
                     const uint8_t *bytes, size_t len)
{
    seen *s = ctx;
    proto_entry e;
    assert_int_equal(proto_entry_decode(&e, bytes, len, NULL), 0);
    assert_int_equal(e.kind, PROTO_KIND_ROSTER);
    assert_int_equal(e.seq, seq);
    if (s->n < 4) {
        memcpy(s->author[s->n], who, PROTO_KEY_BYTES);
        s->seq[s->n] = seq;
    }
    s->n++;
    return 0;
}

static seen changes(store *s)
{
    store_read r;
    seen x = { 0 };
    assert_int_equal(store_snapshot_begin(s, &r), 0);
    assert_int_equal(store_roster_changes(&r, on_change, &x), 0);
    store_read_end(&r);
    return x;
}

static void test_roster_entries(void **state)
{
    fixture *f = *state;
    body b;
    rn_diag d = { 0 };
    alog ie, fr;

    /* A proposal (version 2: add IE2... as a mirror) signed by IE, published as IE's entry. */
    proto_rc_change *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    assert_int_equal(proto_rosterchain_change_start(&f->ch, T_LOG + 50, c), 0);
    c->ops_n = 1;
    c->ops[0].type = PROTO_RC_ADD;
    memcpy(c->ops[0].key, authors[A_IE2].pk, PROTO_KEY_BYTES);
    c->ops[0].role = PROTO_ROLE_MIRROR;
    assert_int_equal(proto_rosterchain_change_sign(c, authors[A_IE].sk, authors[A_IE].pk), 0);
    mp_buf doc;
    mp_buf_init(&doc, RN_ROSTERCHAIN_CHANGE_BYTES_MAX);
    assert_int_equal(proto_rosterchain_change_encode(c, &doc), 0);

    log_ie(&ie);
    roster_record(&b, doc.data, doc.len);
    log_add(&ie, T_LOG + 300, PROTO_KIND_ROSTER, &b);
    assert_int_equal(ingest(&f->s, &ie, 1, 4, NULL), 0);
    /* FR cannot publish IE's approval as its own. */
    log_init(&fr, &authors[A_FR]);
    log_add(&fr, T_LOG + 300, PROTO_KIND_ROSTER, &b);
    assert_int_equal(ingest(&f->s, &fr, 1, 1, &d), RN_EINCONSISTENT);
    /* FR's approval, signed and appended by the node. */
    assert_int_equal(proto_rosterchain_change_sign(c, authors[A_FR].sk, authors[A_FR].pk), 0);
    mp_buf_reset(&doc);
    assert_int_equal(proto_rosterchain_change_encode(c, &doc), 0);
    roster_record(&b, doc.data, doc.len);
    uint64_t seq;
    assert_int_equal(store_append(&f->s, authors[A_FR].sk, PROTO_KIND_ROSTER, b.b, b.len, T_NOW,
                                  NULL, &seq, NULL, &d),
                     0);

    seen x = changes(&f->s);
    assert_int_equal(x.n, 2);
    reopen(f);
    seen y = changes(&f->s);
    assert_int_equal(y.n, 2);
    assert_memory_equal(&x, &y, sizeof(x));
    bool ie_seen = false, fr_seen = false;
    for (size_t i = 0; i < 2; i++) {
        ie_seen |= memcmp(y.author[i], authors[A_IE].pk, PROTO_KEY_BYTES) == 0 && y.seq[i] == 4;
        fr_seen |= memcmp(y.author[i], authors[A_FR].pk, PROTO_KEY_BYTES) == 0 && y.seq[i] == 1;
    }
    assert_true(ie_seen && fr_seen);
    /* Roster entries are in no record index: a search sees IE's two specs only. */
    assert_int_equal(search_count(&f->s, "IE"), 2);

    /* IE compromised with its log kept up to seq 3: its roster entry at seq 4 is skipped. */
    proto_rc_op op;
    op_compromised(&op, A_IE, A_FR2, 3, ie.id[2]);
    change(f, &op, T_LOG + 3000, (const int[]){ A_FR, A_NL, A_COUNT }, NULL);
    seen z = changes(&f->s);
    assert_int_equal(z.n, 1);
    assert_memory_equal(z.author[0], authors[A_FR].pk, PROTO_KEY_BYTES);

    mp_buf_free(&doc);
    free(c);
    log_free(&ie);
    log_free(&fr);
}

/* ---- The genesis-only table of a replica without a chain ---- */

static void test_roster_only(void **state)
{
    (void)state;
    char dir[64];
    store s;
    snprintf(dir, sizeof(dir), "/tmp/recnet-lineage-test-XXXXXX");
    assert_non_null(mkdtemp(dir));
    assert_int_equal(store_open(&s, dir, NULL), 0);
    proto_roster r;
    assert_int_equal(proto_roster_init(&r, 8), 0);
    assert_int_equal(proto_roster_add(&r, "IE", 2, PROTO_ROLE_AUTHORITY, authors[A_IE].pk), 0);
    assert_int_equal(proto_roster_add(&r, "", 0, PROTO_ROLE_MIRROR, authors[A_MIRROR].pk), 0);
    assert_int_equal(store_roster_set(&s, &r), 0);
    proto_roster_free(&r);
    const proto_authors *a = store_authors(&s);
    assert_int_equal(a->n, 2);
    rn_diag d = { 0 };
    proto_rosterchain ch;
    assert_int_equal(store_chain_load(&s, &ch, &d), RN_ENOTFOUND);

    alog ie, fr, mi;
    log_ie(&ie);
    assert_int_equal(ingest(&s, &ie, 1, 3, NULL), 0);
    log_init(&fr, &authors[A_FR]);
    body b;
    decision_fr(&b, "FR:enic-naric/dec-1", "IE:uniz/mc-c012", PROTO_OUTCOME_PARTIAL, NULL);
    log_add(&fr, T_LOG + 1000, PROTO_KIND_DECISION, &b);
    assert_int_equal(ingest(&s, &fr, 1, 1, &d), RN_EROSTER);
    log_init(&mi, &authors[A_MIRROR]);
    log_add(&mi, T_LOG + 1000, PROTO_KIND_DECISION, &b);
    assert_int_equal(ingest(&s, &mi, 1, 1, &d), RN_EROLE);
    /* After a restart the table is the saved roster's. */
    store_close(&s);
    assert_int_equal(store_open(&s, dir, NULL), 0);
    assert_int_equal(store_authors(&s)->n, 2);
    assert_int_equal(ingest(&s, &fr, 1, 1, &d), RN_EROSTER);
    store_check_result cr;
    assert_int_equal(store_check(&s, &cr), 0);
    assert_int_equal(cr.entries, 3);
    store_close(&s);
    (void)test_rmtree(dir);
    log_free(&ie);
    log_free(&fr);
    log_free(&mi);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_planned_rotation, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_append_succession, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_succession_before_predecessor, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_compromised_rotation, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_compromised_other_id, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_chain_damaged, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_removal, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_status_list, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_roster_entries, fx_setup, fx_teardown),
        cmocka_unit_test(test_roster_only),
    };
    return cmocka_run_group_tests(tests, keys_setup, NULL);
}
