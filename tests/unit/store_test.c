/*
 * store_test.c: the LMDB replica (store/store.h): open and reopen, local append, ingest of runs
 * (duplicates, gaps, forks, every refusal), log reads, record versions, and the consistency check.
 *
 * Every test gets a fresh replica in its own mkdtemp directory under /tmp (removed afterwards)
 * with a roster of three authorities (IE, FR, NL) and one mirror, whose keys come from fixed
 * seeds. The records are real data: the Commission's ELM sample micro-credential
 * (tests/fixtures/elm/: University of Zed, Ireland, "Digital micro-credential creation", 2 ECTS,
 * EQF 6, ISCED-F 0688), a French recognition decision on it, and the Dutch Open Badges 3.0 sample
 * provider (Naboo Theed University). Bodies are encoded with proto_record_encode and entries
 * signed with proto_entry_sign; the invalid bodies a peer might send are made by patching one byte
 * of a valid body, since the encoder refuses to write them.
 *
 * Each test ends with store_check on the replica it leaves behind: whatever a scenario did, the
 * indexes must agree with the entries.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "proto/record.h"
#include "store/query.h"
#include "store/store.h"
#include "tests/support/fixtures.h"
#include "tests/support/rng.h"
#include "store/keys.h"
#include "store/store_internal.h"

#include "testutil.h"

#define S(s) proto_str_c(s)

/* Times from the fixtures (ms since the epoch). */
#define T_2022_12_31 1672527600000ull /* ELM sample validFrom, 2022-12-31T23:00:00Z */
#define T_2024_08_30 1724976000000ull /* OBv3 theed validFrom */
#define T_2024_09_01 1725148800000ull
#define T_LOG        1767225600000ull /* 2026-01-01: when the test logs start */

/* ---- Keys ---- */

typedef struct author {
    const char *country; /* "" for the mirror */
    uint8_t pk[PROTO_KEY_BYTES];
    uint8_t sk[PROTO_SK_BYTES];
} author;

enum { A_IE, A_FR, A_NL, A_MIRROR, A_STRANGER, A_COUNT };
static author authors[A_COUNT] = {
    [A_IE] = { "IE" },   [A_FR] = { "FR" },       [A_NL] = { "NL" },
    [A_MIRROR] = { "" }, [A_STRANGER] = { "DE" }, /* a key the roster does not know */
};
static uint8_t issuer_pk[PROTO_KEY_BYTES], credential[PROTO_DIGEST_BYTES];

static void seed_of(const char *label, uint8_t out[32])
{
    crypto_generichash(out, 32, (const uint8_t *)label, strlen(label), NULL, 0);
}

/* ---- Bodies ---- */

typedef struct body {
    uint8_t b[8192];
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

/* The awarding body of the ELM sample, with an issuer key and its URL. */
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

/* The Open Badges 3.0 sample provider, under an id of our choosing (`id` carries NL:). */
static void provider_theed(body *out, const char *id)
{
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_PROVIDER;
    proto_provider *p = &r.u.provider;
    p->id = S(id);
    p->legal_name = S("Naboo Theed University");
    p->country = S("NL");
    p->qa_status = PROTO_QA_UNDER_REVIEW;
    p->status = PROTO_PROVIDER_ACTIVE;
    encode(&r, out);
}

/* The ELM sample's specification, with id `id` of provider `prov` (so that one template gives
 * many specs and other countries' specs), title `title`. */
static void spec_zed(body *out, const char *id, const char *prov, const char *title)
{
    proto_record r;
    fx_elm_spec(&r, id, prov);
    r.u.spec.title[0].text = S(title);
    encode(&r, out);
}

/* The same spec with EQF 9, which the encoder refuses to write: patch the EQF value of a valid
 * body. Field 5 (ECTS 200, "cc c8") is followed by key 6 and its value 6. */
static void spec_eqf9(body *out, const char *id, const char *prov)
{
    spec_zed(out, id, prov, "Digital micro-credential creation");
    static const uint8_t pat[] = { 0x05, 0xcc, 0xc8, 0x06, 0x06 };
    size_t hits = 0;
    for (size_t i = 0; i + sizeof(pat) <= out->len; i++) {
        if (memcmp(out->b + i, pat, sizeof(pat)) == 0) {
            out->b[i + 4] = 0x09;
            hits++;
        }
    }
    assert_int_equal(hits, 1);
    proto_record r;
    rn_diag d = { 0 };
    assert_int_equal(proto_record_decode(&r, PROTO_KIND_SPEC, out->b, out->len, &d), RN_EEQF);
}

/* A French decision on the ELM sample spec. */
static void decision_fr(body *out, const char *id, const char *supersedes)
{
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_DECISION;
    proto_decision *x = &r.u.decision;
    x->id = S(id);
    x->spec = S("IE:uniz/mc-c012");
    x->purpose = PROTO_PURPOSE_FURTHER_STUDY;
    x->outcome = PROTO_OUTCOME_PARTIAL;
    x->has_ects = true;
    x->ects_centi = 200;
    x->eqf = 6;
    x->differences_n = 1;
    x->differences[0] = (proto_difference){
        PROTO_DIFFERENCE_LEARNING_OUTCOMES,
        S("The outcome on creativity is not assessed against a stated standard.")
    };
    x->valid_from_ms = T_2024_09_01;
    x->supersedes = S(supersedes);
    encode(&r, out);
}

static void revocation_uniz(body *out)
{
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_REVOCATION;
    r.u.revocation.credential = credential;
    r.u.revocation.provider = S("IE:uniz");
    r.u.revocation.reason = PROTO_REASON_ISSUED_IN_ERROR;
    r.u.revocation.revoked_at_ms = T_2024_08_30;
    encode(&r, out);
}

/* ---- Entries and chains ---- */

/* One signed entry, heap-allocated at its exact length. */
static uint8_t *sign_entry(const author *a, uint64_t seq, const uint8_t *prev, uint64_t ts,
                           proto_kind kind, const body *b, size_t *len)
{
    static uint8_t buf[RN_ENTRY_BYTES_MAX];
    proto_entry_draft dr = {
        .seq = seq, .prev = prev, .timestamp_ms = ts, .kind = kind, .body = b->b, .body_len = b->len
    };
    assert_int_equal(proto_entry_sign(&dr, a->sk, buf, sizeof(buf), len), 0);
    uint8_t *out = malloc(*len);
    assert_non_null(out);
    memcpy(out, buf, *len);
    return out;
}

/* One author's log as a peer would send it: raw[i] is the entry at seq i + 1. */
typedef struct chain {
    const author *a;
    size_t n, cap;
    proto_str *raw;
    uint8_t (*id)[PROTO_ID_BYTES];
    uint64_t *ts;
} chain;

static void chain_init(chain *c, const author *a, size_t cap)
{
    c->a = a;
    c->n = 0;
    c->cap = cap;
    c->raw = calloc(cap, sizeof(*c->raw));
    c->id = calloc(cap, sizeof(*c->id));
    c->ts = calloc(cap, sizeof(*c->ts));
    assert_true(c->raw != NULL && c->id != NULL && c->ts != NULL);
}

static void chain_free(chain *c)
{
    for (size_t i = 0; i < c->n; i++)
        free((void *)c->raw[i].ptr);
    free(c->raw);
    free(c->id);
    free(c->ts);
    memset(c, 0, sizeof(*c));
}

static void chain_add(chain *c, uint64_t ts, proto_kind kind, const body *b)
{
    assert_true(c->n < c->cap);
    size_t len;
    uint8_t *e = sign_entry(c->a, c->n + 1, c->n == 0 ? NULL : c->id[c->n - 1], ts, kind, b, &len);
    c->raw[c->n] = (proto_str){ e, (uint32_t)len };
    proto_entry_id(e, len, c->id[c->n]);
    c->ts[c->n] = ts;
    c->n++;
}

/* n entries of NL: the Theed provider, then specs NL:theed/mc-<seq>, one second apart. */
static void chain_nl(chain *c, size_t n)
{
    body b;
    chain_init(c, &authors[A_NL], n);
    for (size_t i = 0; i < n; i++) {
        if (i == 0) {
            provider_theed(&b, "NL:theed");
            chain_add(c, T_LOG, PROTO_KIND_PROVIDER, &b);
            continue;
        }
        char id[64];
        snprintf(id, sizeof(id), "NL:theed/mc-%zu", i + 1);
        spec_zed(&b, id, "NL:theed", "Minor: Jedi Mind Control and Advanced Meditation Practices");
        chain_add(c, T_LOG + 1000 * i, PROTO_KIND_SPEC, &b);
    }
}

/* n entries of FR: decisions on the ELM sample spec, each superseding the one before. */
static void chain_fr(chain *c, size_t n)
{
    body b;
    chain_init(c, &authors[A_FR], n);
    for (size_t i = 0; i < n; i++) {
        char id[64], prev[64];
        snprintf(id, sizeof(id), "FR:enic-naric/dec-%zu", i + 1);
        snprintf(prev, sizeof(prev), "FR:enic-naric/dec-%zu", i);
        decision_fr(&b, id, i == 0 ? NULL : prev);
        chain_add(c, T_LOG + 500 * i, PROTO_KIND_DECISION, &b);
    }
}

/* ---- The replica under test ---- */

typedef struct fixture {
    char dir[64];
    store s;
} fixture;

static void roster_make(proto_roster *r, const int *which, size_t n)
{
    assert_int_equal(proto_roster_init(r, 8), 0);
    for (size_t i = 0; i < n; i++) {
        const author *a = &authors[which[i]];
        proto_role role = which[i] == A_MIRROR ? PROTO_ROLE_MIRROR : PROTO_ROLE_AUTHORITY;
        assert_int_equal(proto_roster_add(r, a->country, strlen(a->country), role, a->pk), 0);
    }
}

static void roster_default(store *s)
{
    static const int members[] = { A_IE, A_FR, A_NL, A_MIRROR };
    proto_roster r;
    roster_make(&r, members, 4);
    assert_int_equal(store_roster_set(s, &r), 0);
    proto_roster_free(&r);
}

static void rm_dir(const char *dir)
{
    (void)test_rmtree(dir);
}

static int fx_setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/recnet-store-test-XXXXXX");
    if (mkdtemp(f->dir) == NULL || store_open(&f->s, f->dir, NULL) != 0) {
        free(f);
        return -1;
    }
    roster_default(&f->s);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    fixture *f = *state;
    store_close(&f->s);
    rm_dir(f->dir);
    free(f);
    return 0;
}

/* store_check passes and counts `entries` entries. */
static void check_ok(store *s, uint64_t entries)
{
    store_check_result cr;
    assert_int_equal(store_check(s, &cr), 0);
    assert_int_equal(cr.entries, entries);
}

/* The head of `a`: its seq, or 0 when the replica holds none of its entries. */
static uint64_t head_seq(store *s, const author *a, store_head *out)
{
    store_read r;
    store_head h;
    assert_int_equal(store_query_begin(s, &r), 0);
    int rc = store_head_get(&r, a->pk, &h);
    store_read_end(&r);
    if (rc == RN_ENOTFOUND)
        return 0;
    assert_int_equal(rc, 0);
    if (out != NULL)
        *out = h;
    return h.seq;
}

/* Entries in the replica, all authors together. */
static uint64_t entries_held(store *s)
{
    MDB_txn *txn;
    MDB_stat st;
    assert_int_equal(mdb_txn_begin(s->priv->env, NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(mdb_stat(txn, s->priv->dbi[STORE_DB_ENTRIES], &st), 0);
    mdb_txn_abort(txn);
    return st.ms_entries;
}

/* Ingests chain entries of seqs from .. from + n - 1. */
static int ingest(store *s, const chain *c, uint64_t from, size_t n, store_ingest_result *res,
                  rn_diag *d)
{
    assert_true(from >= 1 && from - 1 + n <= c->n);
    return store_ingest(s, &c->raw[from - 1], n, res, d);
}

/* The entry (author, seq) equals `want`. */
static void entry_is(store *s, const author *a, uint64_t seq, proto_str want)
{
    store_read r;
    proto_str got;
    assert_int_equal(store_query_begin(s, &r), 0);
    assert_int_equal(store_entry_get(&r, a->pk, seq, &got), 0);
    assert_int_equal(got.len, want.len);
    assert_memory_equal(got.ptr, want.ptr, want.len);
    store_read_end(&r);
}

/* ---- Open, close, reopen ---- */

static void test_reopen(void **state)
{
    fixture *f = *state;
    chain nl, fr;
    body b;
    uint8_t id[3][PROTO_ID_BYTES];
    uint64_t seq;
    store_ingest_result res;

    chain_nl(&nl, 10);
    chain_fr(&fr, 5);
    provider_uniz(&b);
    assert_int_equal(store_append(&f->s, authors[A_IE].sk, PROTO_KIND_PROVIDER, b.b, b.len, T_LOG,
                                  id[0], &seq, NULL, NULL),
                     0);
    spec_zed(&b, "IE:uniz/mc-c012", "IE:uniz", "Digital micro-credential creation");
    assert_int_equal(store_append(&f->s, authors[A_IE].sk, PROTO_KIND_SPEC, b.b, b.len,
                                  T_LOG + 1000, id[1], &seq, NULL, NULL),
                     0);
    revocation_uniz(&b);
    assert_int_equal(store_append(&f->s, authors[A_IE].sk, PROTO_KIND_REVOCATION, b.b, b.len,
                                  T_LOG + 2000, id[2], &seq, NULL, NULL),
                     0);
    assert_int_equal(ingest(&f->s, &nl, 1, 10, &res, NULL), 0);
    assert_int_equal(ingest(&f->s, &fr, 1, 5, &res, NULL), 0);
    check_ok(&f->s, 18);

    store_close(&f->s);
    store_close(&f->s); /* safe on a closed store */
    assert_int_equal(store_open(&f->s, f->dir, NULL), 0);

    /* The roster came back from the replica. */
    assert_int_equal(f->s.roster.count, 4);
    assert_string_equal(store_author_country(&f->s, authors[A_IE].pk), "IE");
    assert_string_equal(store_author_country(&f->s, authors[A_NL].pk), "NL");
    assert_null(store_author_country(&f->s, authors[A_MIRROR].pk));
    assert_null(store_author_country(&f->s, authors[A_STRANGER].pk));
    const proto_member *m = proto_roster_find(&f->s.roster, authors[A_MIRROR].pk);
    assert_non_null(m);
    assert_int_equal(m->role, PROTO_ROLE_MIRROR);
    assert_string_equal(m->country, "");

    /* The heads and the entries came back. */
    store_read r;
    store_head heads[4];
    size_t n;
    assert_int_equal(store_query_begin(&f->s, &r), 0);
    assert_int_equal(store_heads(&r, heads, 4, &n), 0);
    assert_int_equal(n, 3);
    size_t cap1;
    assert_int_equal(store_heads(&r, heads, 1, &cap1), 0); /* more authors than room */
    assert_int_equal(cap1, 3);
    store_read_end(&r);
    store_head h;
    assert_int_equal(head_seq(&f->s, &authors[A_IE], &h), 3);
    assert_memory_equal(h.id, id[2], PROTO_ID_BYTES);
    assert_int_equal(h.timestamp_ms, T_LOG + 2000);
    assert_int_equal(h.flags, 0);
    assert_int_equal(head_seq(&f->s, &authors[A_NL], &h), 10);
    assert_memory_equal(h.id, nl.id[9], PROTO_ID_BYTES);
    assert_int_equal(head_seq(&f->s, &authors[A_FR], NULL), 5);
    for (uint64_t i = 1; i <= 10; i++)
        entry_is(&f->s, &authors[A_NL], i, nl.raw[i - 1]);
    check_ok(&f->s, 18);

    /* The log goes on where it stopped, after a reopen. */
    spec_zed(&b, "IE:uniz/mc-c013", "IE:uniz", "Digital credential verification");
    assert_int_equal(store_append(&f->s, authors[A_IE].sk, PROTO_KIND_SPEC, b.b, b.len,
                                  T_LOG + 3000, NULL, &seq, NULL, NULL),
                     0);
    assert_int_equal(seq, 4);
    assert_int_equal(ingest(&f->s, &nl, 5, 6, &res, NULL), 0);
    assert_int_equal(res.duplicates, 6);
    assert_int_equal(res.accepted, 0);
    check_ok(&f->s, 19);

    /* Open refuses what it cannot use. */
    store other;
    assert_int_equal(store_open(&other, "/tmp/recnet-store-test-does-not-exist", NULL), RN_EIO);
    store_close(&other);
    chain_free(&nl);
    chain_free(&fr);
}

/* ---- Local append ---- */

static void test_append(void **state)
{
    fixture *f = *state;
    body b;
    uint8_t id[3][PROTO_ID_BYTES];
    uint64_t seq[3];
    /* The clock goes back between the first and second append. */
    const uint64_t now[3] = { T_LOG + 5000, T_LOG + 1000, T_LOG + 9000 };
    const uint64_t want_ts[3] = { T_LOG + 5000, T_LOG + 5000, T_LOG + 9000 };

    for (int i = 0; i < 3; i++) {
        char sid[64];
        snprintf(sid, sizeof(sid), "IE:uniz/mc-c%03d", 12 + i);
        spec_zed(&b, sid, "IE:uniz", "Digital micro-credential creation");
        rn_diag d = { 0 };
        assert_int_equal(store_append(&f->s, authors[A_IE].sk, PROTO_KIND_SPEC, b.b, b.len, now[i],
                                      id[i], &seq[i], NULL, &d),
                         0);
        assert_int_equal(seq[i], (uint64_t)i + 1);

        /* Readable at once, with the right links and a timestamp that never goes back. */
        store_read r;
        proto_str raw;
        proto_entry e;
        uint8_t eid[PROTO_ID_BYTES], who[PROTO_KEY_BYTES];
        uint64_t s2;
        assert_int_equal(store_query_begin(&f->s, &r), 0);
        assert_int_equal(store_entry_get(&r, authors[A_IE].pk, seq[i], &raw), 0);
        assert_int_equal(proto_entry_decode(&e, raw.ptr, raw.len, NULL), 0);
        assert_int_equal(proto_entry_verify(&e), 0);
        proto_entry_id(raw.ptr, raw.len, eid);
        assert_memory_equal(eid, id[i], PROTO_ID_BYTES);
        assert_int_equal(e.seq, seq[i]);
        assert_int_equal(e.timestamp_ms, want_ts[i]);
        assert_memory_equal(e.author, authors[A_IE].pk, PROTO_KEY_BYTES);
        if (i == 0)
            assert_null(e.prev);
        else
            assert_memory_equal(e.prev, id[i - 1], PROTO_ID_BYTES);
        assert_int_equal(e.body_len, b.len);
        assert_memory_equal(e.body, b.b, b.len);
        assert_int_equal(store_entry_find(&r, id[i], who, &s2), 0);
        assert_memory_equal(who, authors[A_IE].pk, PROTO_KEY_BYTES);
        assert_int_equal(s2, seq[i]);
        store_head h;
        assert_int_equal(store_head_get(&r, authors[A_IE].pk, &h), 0);
        assert_int_equal(h.seq, seq[i]);
        assert_memory_equal(h.id, id[i], PROTO_ID_BYTES);
        assert_int_equal(h.timestamp_ms, want_ts[i]);
        store_read_end(&r);
    }
    /* id and seq may be NULL. */
    provider_uniz(&b);
    assert_int_equal(store_append(&f->s, authors[A_IE].sk, PROTO_KIND_PROVIDER, b.b, b.len, 0, NULL,
                                  NULL, NULL, NULL),
                     0);
    assert_int_equal(head_seq(&f->s, &authors[A_IE], NULL), 4);
    check_ok(&f->s, 4);
}

static void test_append_refused(void **state)
{
    fixture *f = *state;
    body b;
    rn_diag d = { 0 };
    uint64_t seq = 77;

    /* Ids that carry another country's prefix. */
    spec_zed(&b, "FR:uniz/mc-c012", "IE:uniz", "Digital micro-credential creation");
    assert_int_equal(store_append(&f->s, authors[A_IE].sk, PROTO_KIND_SPEC, b.b, b.len, T_LOG, NULL,
                                  &seq, NULL, &d),
                     RN_EPREFIX);
    assert_string_equal(d.field, "spec.id");
    spec_zed(&b, "IE:uniz/mc-c012", "NL:theed", "Digital micro-credential creation");
    assert_int_equal(store_append(&f->s, authors[A_IE].sk, PROTO_KIND_SPEC, b.b, b.len, T_LOG, NULL,
                                  &seq, NULL, &d),
                     RN_EPREFIX);
    /* An invalid record. */
    spec_eqf9(&b, "IE:uniz/x", "IE:uniz");
    assert_int_equal(store_append(&f->s, authors[A_IE].sk, PROTO_KIND_SPEC, b.b, b.len, T_LOG, NULL,
                                  &seq, NULL, &d),
                     RN_EEQF);
    assert_string_equal(d.field, "spec.eqf");
    /* A body of the wrong kind. */
    spec_zed(&b, "IE:uniz/mc-c012", "IE:uniz", "Digital micro-credential creation");
    assert_true(store_append(&f->s, authors[A_IE].sk, PROTO_KIND_PROVIDER, b.b, b.len, T_LOG, NULL,
                             &seq, NULL, &d) < 0);
    /* Keys that may not author. */
    spec_zed(&b, "DE:x/mc-1", "DE:x", "Digital micro-credential creation");
    assert_int_equal(store_append(&f->s, authors[A_STRANGER].sk, PROTO_KIND_SPEC, b.b, b.len, T_LOG,
                                  NULL, &seq, NULL, &d),
                     RN_EROSTER);
    assert_int_equal(store_append(&f->s, authors[A_MIRROR].sk, PROTO_KIND_SPEC, b.b, b.len, T_LOG,
                                  NULL, &seq, NULL, &d),
                     RN_EROLE);
    assert_int_equal(seq, 77);

    /* Nothing was committed. */
    assert_int_equal(head_seq(&f->s, &authors[A_IE], NULL), 0);
    assert_int_equal(head_seq(&f->s, &authors[A_STRANGER], NULL), 0);
    assert_int_equal(head_seq(&f->s, &authors[A_MIRROR], NULL), 0);
    assert_int_equal(entries_held(&f->s), 0);
    check_ok(&f->s, 0);

    /* And the log then starts at 1. */
    spec_zed(&b, "IE:uniz/mc-c012", "IE:uniz", "Digital micro-credential creation");
    assert_int_equal(store_append(&f->s, authors[A_IE].sk, PROTO_KIND_SPEC, b.b, b.len, T_LOG, NULL,
                                  &seq, NULL, &d),
                     0);
    assert_int_equal(seq, 1);
    check_ok(&f->s, 1);
}

/* ---- Ingest ---- */

static void test_ingest_runs(void **state)
{
    fixture *f = *state;
    chain nl;
    store_ingest_result res;
    rn_diag d = { 0 };

    chain_nl(&nl, 150);
    /* A fresh author's run of 100. */
    assert_int_equal(ingest(&f->s, &nl, 1, 100, &res, &d), 0);
    assert_int_equal(res.accepted, 100);
    assert_int_equal(res.duplicates, 0);
    assert_false(res.forked);
    assert_int_equal(res.head_seq, 100);
    store_head h;
    assert_int_equal(head_seq(&f->s, &authors[A_NL], &h), 100);
    assert_memory_equal(h.id, nl.id[99], PROTO_ID_BYTES);
    assert_int_equal(h.timestamp_ms, nl.ts[99]);
    check_ok(&f->s, 100);

    /* The same run again: all duplicates, nothing written. */
    assert_int_equal(ingest(&f->s, &nl, 1, 100, &res, &d), 0);
    assert_int_equal(res.accepted, 0);
    assert_int_equal(res.duplicates, 100);
    assert_int_equal(res.head_seq, 100);
    assert_int_equal(entries_held(&f->s), 100);

    /* An overlapping run, seqs 51 .. 150. */
    assert_int_equal(ingest(&f->s, &nl, 51, 100, &res, &d), 0);
    assert_int_equal(res.duplicates, 50);
    assert_int_equal(res.accepted, 50);
    assert_int_equal(res.head_seq, 150);
    for (uint64_t seq = 1; seq <= 150; seq += 37)
        entry_is(&f->s, &authors[A_NL], seq, nl.raw[seq - 1]);
    check_ok(&f->s, 150);
    chain_free(&nl);
}

static void test_ingest_run_bounds(void **state)
{
    fixture *f = *state;
    chain nl;
    store_ingest_result res;
    rn_diag d = { 0 };
    body b;

    /* n = 0 and n one past the bound. */
    chain_nl(&nl, 1);
    assert_int_equal(store_ingest(&f->s, nl.raw, 0, &res, &d), RN_EINVAL);
    proto_str *many = calloc(RN_RUN_ENTRIES_MAX + 1, sizeof(*many));
    assert_non_null(many);
    for (size_t i = 0; i <= RN_RUN_ENTRIES_MAX; i++)
        many[i] = nl.raw[0];
    assert_int_equal(store_ingest(&f->s, many, RN_RUN_ENTRIES_MAX + 1, &res, &d), RN_EINVAL);
    assert_int_equal(entries_held(&f->s), 0);
    free(many);
    chain_free(&nl);

    /* A run of exactly RN_RUN_ENTRIES_MAX: one transaction, one signature. */
    chain_init(&nl, &authors[A_NL], RN_RUN_ENTRIES_MAX);
    for (size_t i = 0; i < RN_RUN_ENTRIES_MAX; i++) {
        char id[64];
        snprintf(id, sizeof(id), "NL:theed-%zu", i % 64);
        provider_theed(&b, id);
        chain_add(&nl, T_LOG + i, PROTO_KIND_PROVIDER, &b);
    }
    assert_int_equal(ingest(&f->s, &nl, 1, RN_RUN_ENTRIES_MAX, &res, &d), 0);
    assert_int_equal(res.accepted, RN_RUN_ENTRIES_MAX);
    assert_int_equal(res.head_seq, RN_RUN_ENTRIES_MAX);
    check_ok(&f->s, RN_RUN_ENTRIES_MAX);
    chain_free(&nl);
}

static void test_ingest_gap(void **state)
{
    fixture *f = *state;
    chain nl;
    store_ingest_result res;
    rn_diag d = { 0 };

    chain_nl(&nl, 30);
    /* A fresh author's log must start at seq 1. */
    assert_int_equal(ingest(&f->s, &nl, 2, 5, &res, &d), RN_EGAP);
    assert_int_equal(res.head_seq, 0);
    assert_int_equal(entries_held(&f->s), 0);

    assert_int_equal(ingest(&f->s, &nl, 1, 10, &res, &d), 0);
    d = (rn_diag){ 0 };
    assert_int_equal(ingest(&f->s, &nl, 15, 16, &res, &d), RN_EGAP);
    assert_int_equal(d.code, RN_EGAP);
    assert_int_equal(d.index, 1);
    assert_int_equal(res.head_seq, 10); /* fetch from 11 */
    assert_int_equal(res.accepted, 0);
    assert_int_equal(head_seq(&f->s, &authors[A_NL], NULL), 10);
    assert_int_equal(entries_held(&f->s), 10);

    /* Resuming where the gap said. */
    assert_int_equal(ingest(&f->s, &nl, res.head_seq + 1, 20, &res, &d), 0);
    assert_int_equal(res.accepted, 20);
    assert_int_equal(res.head_seq, 30);
    check_ok(&f->s, 30);
    chain_free(&nl);
}

static void test_ingest_fork(void **state)
{
    fixture *f = *state;
    chain nl;
    store_ingest_result res;
    rn_diag d = { 0 };
    body b;

    chain_nl(&nl, 20);
    assert_int_equal(ingest(&f->s, &nl, 1, 10, &res, &d), 0);

    /* NL signs a second entry at seq 5, linked to its entry 4. */
    size_t len;
    spec_zed(&b, "NL:theed/mc-5", "NL:theed", "Another title at the same seq");
    uint8_t *alt = sign_entry(&authors[A_NL], 5, nl.id[3], nl.ts[4], PROTO_KIND_SPEC, &b, &len);
    proto_str run[5] = { nl.raw[0], nl.raw[1], nl.raw[2], nl.raw[3], { alt, (uint32_t)len } };

    assert_int_equal(store_ingest(&f->s, run, 5, &res, &d), 0);
    assert_true(res.forked);
    assert_int_equal(res.fork_seq, 5);
    assert_int_equal(res.duplicates, 4);
    assert_int_equal(res.accepted, 0);
    assert_int_equal(res.head_seq, 10);

    store_head h;
    assert_int_equal(head_seq(&f->s, &authors[A_NL], &h), 10);
    assert_true(h.flags & STORE_HEAD_FORKED);
    assert_memory_equal(h.id, nl.id[9], PROTO_ID_BYTES);

    /* Both entries are kept as evidence: ours in the log, theirs beside it. */
    store_read r;
    uint64_t fseq;
    proto_str ea, eb;
    assert_int_equal(store_query_begin(&f->s, &r), 0);
    assert_int_equal(store_fork_get(&r, authors[A_NL].pk, &fseq, &ea, &eb), 0);
    assert_int_equal(fseq, 5);
    assert_int_equal(ea.len, nl.raw[4].len);
    assert_memory_equal(ea.ptr, nl.raw[4].ptr, ea.len);
    assert_int_equal(eb.len, len);
    assert_memory_equal(eb.ptr, alt, len);
    assert_int_equal(store_fork_get(&r, authors[A_FR].pk, &fseq, &ea, &eb), RN_ENOTFOUND);
    assert_int_equal(store_fork_get(&r, authors[A_IE].pk, &fseq, &ea, &eb), RN_ENOTFOUND);
    store_read_end(&r);
    check_ok(&f->s, 10);

    /* The same evidence alone, again: still a fork, nothing else changes. */
    assert_int_equal(store_ingest(&f->s, &run[4], 1, &res, &d), 0);
    assert_true(res.forked);
    assert_int_equal(res.fork_seq, 5);
    assert_int_equal(res.head_seq, 10);

    /* Further ingest of the log still works, and the author stays marked. */
    assert_int_equal(ingest(&f->s, &nl, 11, 10, &res, &d), 0);
    assert_false(res.forked);
    assert_int_equal(res.accepted, 10);
    assert_int_equal(res.head_seq, 20);
    assert_int_equal(head_seq(&f->s, &authors[A_NL], &h), 20);
    assert_true(h.flags & STORE_HEAD_FORKED);
    check_ok(&f->s, 20);
    free(alt);
    chain_free(&nl);
}

static void test_ingest_roster(void **state)
{
    fixture *f = *state;
    store_ingest_result res;
    rn_diag d = { 0 };
    body b;
    chain de, mi;

    /* A key the roster does not know, and a mirror's key: both sign valid logs. */
    chain_init(&de, &authors[A_STRANGER], 3);
    chain_init(&mi, &authors[A_MIRROR], 3);
    for (unsigned i = 0; i < 3; i++) {
        spec_zed(&b, "DE:x/mc-1", "DE:x", "Digital micro-credential creation");
        chain_add(&de, T_LOG + i, PROTO_KIND_SPEC, &b);
        chain_add(&mi, T_LOG + i, PROTO_KIND_SPEC, &b);
    }
    assert_int_equal(ingest(&f->s, &de, 1, 3, &res, &d), RN_EROSTER);
    assert_int_equal(d.code, RN_EROSTER);
    assert_int_equal(d.index, 1);
    assert_int_equal(res.accepted, 0);
    assert_int_equal(ingest(&f->s, &mi, 1, 3, &res, &d), RN_EROLE);
    assert_int_equal(d.code, RN_EROLE);
    assert_int_equal(head_seq(&f->s, &authors[A_STRANGER], NULL), 0);
    assert_int_equal(head_seq(&f->s, &authors[A_MIRROR], NULL), 0);
    assert_int_equal(entries_held(&f->s), 0);
    check_ok(&f->s, 0);
    chain_free(&de);
    chain_free(&mi);
}

static void test_ingest_bad_signature(void **state)
{
    fixture *f = *state;
    chain nl;
    store_ingest_result res;
    rn_diag d = { 0 };

    chain_nl(&nl, 10);
    proto_str run[10];
    memcpy(run, nl.raw, sizeof(run));
    uint8_t *bad = malloc(nl.raw[9].len);
    assert_non_null(bad);
    memcpy(bad, nl.raw[9].ptr, nl.raw[9].len);
    bad[nl.raw[9].len - 1] ^= 0x01; /* the last byte of the signature */
    run[9].ptr = bad;

    /* On a fresh author. */
    assert_int_equal(store_ingest(&f->s, run, 10, &res, &d), RN_ESIG);
    assert_int_equal(d.index, 10);
    assert_int_equal(res.accepted, 0);
    assert_int_equal(entries_held(&f->s), 0);
    /* And past a head we hold. */
    assert_int_equal(ingest(&f->s, &nl, 1, 5, &res, &d), 0);
    assert_int_equal(store_ingest(&f->s, &run[5], 5, &res, &d), RN_ESIG);
    assert_int_equal(head_seq(&f->s, &authors[A_NL], NULL), 5);
    assert_int_equal(entries_held(&f->s), 5);
    check_ok(&f->s, 5);
    free(bad);
    chain_free(&nl);
}

static void test_ingest_broken_link(void **state)
{
    fixture *f = *state;
    chain nl, other;
    store_ingest_result res;
    rn_diag d = { 0 };
    body b;

    /* Two logs of NL that share entries 1 .. 4 and differ from 5 on. */
    chain_nl(&nl, 10);
    chain_init(&other, &authors[A_NL], 10);
    for (size_t i = 0; i < 10; i++) {
        if (i < 4) {
            other.raw[i].ptr = malloc(nl.raw[i].len);
            assert_non_null(other.raw[i].ptr);
            memcpy((void *)other.raw[i].ptr, nl.raw[i].ptr, nl.raw[i].len);
            other.raw[i].len = nl.raw[i].len;
            memcpy(other.id[i], nl.id[i], PROTO_ID_BYTES);
            other.ts[i] = nl.ts[i];
            other.n++;
            continue;
        }
        spec_zed(&b, "NL:theed/other", "NL:theed", "Another branch");
        chain_add(&other, nl.ts[i], PROTO_KIND_SPEC, &b);
    }
    /* Entry 5 of the other branch in the middle of this one: entry 6 no longer links. */
    proto_str run[10];
    memcpy(run, nl.raw, sizeof(run));
    run[4] = other.raw[4];
    assert_int_equal(store_ingest(&f->s, run, 10, &res, &d), RN_EPREV);
    assert_int_equal(d.index, 6);
    assert_int_equal(entries_held(&f->s), 0);

    /* A run that does not link to the head we hold: the other branch from seq 5. */
    assert_int_equal(ingest(&f->s, &nl, 1, 4, &res, &d), 0);
    assert_int_equal(ingest(&f->s, &nl, 5, 1, &res, &d), 0);
    /* Authentic, but it forks from our log at seq 5, whose other entry it does not carry: a
     * divergence, not broken links (nothing is held against the sender). */
    assert_int_equal(ingest(&f->s, &other, 6, 5, &res, &d), 0);
    assert_true(res.diverged);
    assert_false(res.forked);
    assert_int_equal(res.accepted, 0);
    assert_int_equal(res.head_seq, 5);
    assert_int_equal(head_seq(&f->s, &authors[A_NL], NULL), 5);
    assert_int_equal(entries_held(&f->s), 5);

    /* Entries of two authors in one run. */
    chain fr;
    chain_fr(&fr, 3);
    proto_str mixed[3] = { nl.raw[5], fr.raw[1], nl.raw[7] };
    assert_int_equal(store_ingest(&f->s, mixed, 3, &res, &d), RN_EAUTHOR);
    /* A run with a hole in it. */
    proto_str holed[3] = { nl.raw[5], nl.raw[6], nl.raw[8] };
    assert_int_equal(store_ingest(&f->s, holed, 3, &res, &d), RN_ESEQ);
    assert_int_equal(entries_held(&f->s), 5);
    check_ok(&f->s, 5);
    chain_free(&fr);
    chain_free(&nl);
    chain_free(&other);
}

/* A log of 10 NL entries whose entry k (0-based) carries body `bad`. */
static void chain_nl_bad_at(chain *c, size_t k, const body *bad)
{
    body b;
    chain_init(c, &authors[A_NL], 10);
    for (size_t i = 0; i < 10; i++) {
        if (i == k) {
            chain_add(c, T_LOG + i, PROTO_KIND_SPEC, bad);
            continue;
        }
        char id[64];
        snprintf(id, sizeof(id), "NL:theed/mc-%zu", i + 1);
        spec_zed(&b, id, "NL:theed", "Minor: Jedi Mind Control and Advanced Meditation Practices");
        chain_add(c, T_LOG + i, PROTO_KIND_SPEC, &b);
    }
}

static void test_ingest_bad_record(void **state)
{
    fixture *f = *state;
    chain c;
    store_ingest_result res;
    rn_diag d = { 0 };
    body bad;

    /* EQF 9 at entry 6: entries 0 .. 5 commit. */
    spec_eqf9(&bad, "NL:theed/mc-7", "NL:theed");
    chain_nl_bad_at(&c, 6, &bad);
    assert_int_equal(store_ingest(&f->s, c.raw, 10, &res, &d), RN_EEQF);
    assert_int_equal(d.code, RN_EEQF);
    assert_string_equal(d.field, "spec.eqf");
    assert_int_equal(d.index, 7);
    assert_int_equal(res.accepted, 6);
    assert_int_equal(res.head_seq, 6);
    store_head h;
    assert_int_equal(head_seq(&f->s, &authors[A_NL], &h), 6);
    assert_memory_equal(h.id, c.id[5], PROTO_ID_BYTES);
    assert_int_equal(entries_held(&f->s), 6);
    check_ok(&f->s, 6);

    /* The same run again: the prefix is held, the bad entry still refused. */
    d = (rn_diag){ 0 };
    assert_int_equal(store_ingest(&f->s, c.raw, 10, &res, &d), RN_EEQF);
    assert_int_equal(d.index, 7);
    assert_int_equal(res.duplicates, 6);
    assert_int_equal(res.accepted, 0);
    assert_int_equal(res.head_seq, 6);
    chain_free(&c);
    check_ok(&f->s, 6);
}

static void test_ingest_bad_prefix(void **state)
{
    fixture *f = *state;
    chain c;
    store_ingest_result res;
    rn_diag d = { 0 };
    body bad;

    /* An Irish id in the Dutch log at entry 3, in a run past the head. */
    spec_zed(&bad, "IE:uniz/mc-c012", "NL:theed", "Digital micro-credential creation");
    chain_nl_bad_at(&c, 3, &bad);
    assert_int_equal(store_ingest(&f->s, c.raw, 2, &res, &d), 0);
    assert_int_equal(store_ingest(&f->s, &c.raw[2], 8, &res, &d), RN_EPREFIX);
    assert_string_equal(d.field, "spec.id");
    assert_int_equal(d.index, 2); /* the bad entry, seq 4, is the second of this run */
    assert_int_equal(res.accepted, 1);
    assert_int_equal(res.head_seq, 3);
    assert_int_equal(head_seq(&f->s, &authors[A_NL], NULL), 3);

    /* The bad entry first in its run: nothing new commits. */
    d = (rn_diag){ 0 };
    assert_int_equal(store_ingest(&f->s, &c.raw[3], 7, &res, &d), RN_EPREFIX);
    assert_int_equal(d.index, 1);
    assert_int_equal(res.accepted, 0);
    assert_int_equal(head_seq(&f->s, &authors[A_NL], NULL), 3);
    check_ok(&f->s, 3);
    chain_free(&c);
}

static void test_ingest_undecodable(void **state)
{
    fixture *f = *state;
    chain nl;
    store_ingest_result res;
    rn_diag d = { 0 };
    proto_entry e;

    chain_nl(&nl, 10);
    proto_str run[10];
    memcpy(run, nl.raw, sizeof(run));
    run[4].len -= 7; /* truncated */
    int want = proto_entry_decode(&e, run[4].ptr, run[4].len, NULL);
    assert_true(want < 0);

    /* The first entry undecodable: nothing commits. */
    assert_int_equal(store_ingest(&f->s, &run[4], 6, &res, &d), want);
    assert_int_equal(d.index, 1);
    assert_int_equal(entries_held(&f->s), 0);

    /* Entry 4 undecodable: 0 .. 3 commit. */
    d = (rn_diag){ 0 };
    assert_int_equal(store_ingest(&f->s, run, 10, &res, &d), want);
    assert_int_equal(d.code, want);
    assert_int_equal(d.index, 5);
    assert_int_equal(res.accepted, 4);
    assert_int_equal(res.head_seq, 4);
    assert_int_equal(head_seq(&f->s, &authors[A_NL], NULL), 4);

    /* Random bytes and an empty entry. */
    uint8_t junk[200];
    randombytes_buf(junk, sizeof(junk));
    proto_str j[2] = { { junk, sizeof(junk) }, { junk, 0 } };
    assert_true(store_ingest(&f->s, j, 1, &res, &d) < 0);
    assert_true(store_ingest(&f->s, &j[1], 1, &res, &d) < 0);
    assert_int_equal(entries_held(&f->s), 4);

    /* The log resumes from the head. */
    assert_int_equal(ingest(&f->s, &nl, 5, 6, &res, &d), 0);
    assert_int_equal(res.accepted, 6);
    check_ok(&f->s, 10);
    chain_free(&nl);
}

/* Appends to chain c an entry whose body is a valid spec followed by one more value (a nil): its
 * outline decodes (proto_entry_decode_outline) and its signature and links hold, but the strict
 * decoder refuses it. Signed by hand, since proto_entry_sign refuses such a body. */
static void chain_add_trailing(chain *c, uint64_t ts, const body *b)
{
    size_t len;
    uint8_t *e = sign_entry(c->a, c->n + 1, c->n == 0 ? NULL : c->id[c->n - 1], ts, PROTO_KIND_SPEC,
                            b, &len);
    size_t head = len - 2 - PROTO_SIG_BYTES; /* up to the signature */
    uint8_t *out = malloc(len + 1);
    assert_non_null(out);
    memcpy(out, e, head);
    out[head] = 0xc0;
    out[head + 1] = 0xc4;
    out[head + 2] = PROTO_SIG_BYTES;
    uint8_t msg[PROTO_ENTRY_SIG_TAG_LEN + 32], h[32], hdr = 0x97;
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, &hdr, 1);
    crypto_generichash_update(&st, out + 1, head);
    crypto_generichash_final(&st, h, 32);
    memcpy(msg, PROTO_ENTRY_SIG_TAG, PROTO_ENTRY_SIG_TAG_LEN);
    memcpy(msg + PROTO_ENTRY_SIG_TAG_LEN, h, 32);
    crypto_sign_detached(out + head + 3, NULL, msg, sizeof(msg), c->a->sk);
    free(e);
    c->raw[c->n] = (proto_str){ out, (uint32_t)(len + 1) };
    proto_entry_id(out, len + 1, c->id[c->n]);
    c->ts[c->n] = ts;
    c->n++;
}

/* Ten NL specs, the one at index `eqf_at` (if below 10) with EQF 9, the one at `trailing_at` with
 * a body of two values; their outlines decode and the run verifies (links, last signature). */
static void chain_nl_malformed(chain *c, size_t eqf_at, size_t trailing_at)
{
    body b;
    chain_init(c, &authors[A_NL], 10);
    for (size_t i = 0; i < 10; i++) {
        char id[64];
        snprintf(id, sizeof(id), "NL:theed/mc-%zu", i + 1);
        if (i == eqf_at)
            spec_eqf9(&b, id, "NL:theed");
        else
            spec_zed(&b, id, "NL:theed", "Minor: Jedi Mind Control and Advanced Meditation");
        if (i == trailing_at)
            chain_add_trailing(c, T_LOG + i, &b);
        else
            chain_add(c, T_LOG + i, PROTO_KIND_SPEC, &b);
    }
    proto_entry es[10];
    for (size_t i = 0; i < 10; i++)
        assert_int_equal(proto_entry_decode_outline(&es[i], c->raw[i].ptr, c->raw[i].len), 0);
    assert_int_equal(proto_entry_run_verify(es, 10, NULL, NULL, NULL), 0);
}

/* A signed entry whose body is more than one value, inside a linked run whose last signature
 * holds: refused as the strict decoder refuses it, and the entries before it commit, exactly as
 * for any undecodable entry (store_ingest walks each body once, with the record decoder). */
static void test_ingest_body_trailing(void **state)
{
    fixture *f = *state;
    chain c;
    store_ingest_result res;
    rn_diag d = { 0 };
    proto_entry e;

    chain_nl_malformed(&c, 10, 6);
    int want = proto_entry_decode(&e, c.raw[6].ptr, c.raw[6].len, NULL);
    assert_true(want < 0);
    assert_int_equal(store_ingest(&f->s, c.raw, 10, &res, &d), want);
    assert_int_equal(d.code, want);
    assert_int_equal(d.index, 7);
    assert_int_equal(res.accepted, 6);
    assert_int_equal(res.head_seq, 6);
    assert_int_equal(head_seq(&f->s, &authors[A_NL], NULL), 6);
    check_ok(&f->s, 6);

    /* From the head on: the malformed entry first, nothing commits. */
    d = (rn_diag){ 0 };
    assert_int_equal(store_ingest(&f->s, &c.raw[6], 4, &res, &d), want);
    assert_int_equal(d.index, 1);
    assert_int_equal(res.accepted, 0);
    assert_int_equal(head_seq(&f->s, &authors[A_NL], NULL), 6);
    check_ok(&f->s, 6);
    chain_free(&c);
}

/* A record refused (EQF 9 at entry 3) before a malformed entry (at 6): the run stops at the
 * record, entries 0 .. 2 commit, the error is the record's. */
static void test_ingest_record_then_trailing(void **state)
{
    fixture *f = *state;
    chain c;
    store_ingest_result res;
    rn_diag d = { 0 };

    chain_nl_malformed(&c, 3, 6);
    assert_int_equal(store_ingest(&f->s, c.raw, 10, &res, &d), RN_EEQF);
    assert_int_equal(d.code, RN_EEQF);
    assert_string_equal(d.field, "spec.eqf");
    assert_int_equal(d.index, 4);
    assert_int_equal(res.accepted, 3);
    assert_int_equal(head_seq(&f->s, &authors[A_NL], NULL), 3);
    check_ok(&f->s, 3);
    chain_free(&c);
}

static void test_ingest_time(void **state)
{
    fixture *f = *state;
    chain nl;
    store_ingest_result res;
    rn_diag d = { 0 };
    body b;

    chain_nl(&nl, 5);
    assert_int_equal(ingest(&f->s, &nl, 1, 5, &res, &d), 0);
    /* Entry 6, linked to 5 and validly signed, but dated before it. */
    size_t len;
    spec_zed(&b, "NL:theed/mc-6", "NL:theed", "Back in time");
    uint8_t *old = sign_entry(&authors[A_NL], 6, nl.id[4], nl.ts[4] - 1, PROTO_KIND_SPEC, &b, &len);
    proto_str run = { old, (uint32_t)len };
    assert_int_equal(store_ingest(&f->s, &run, 1, &res, &d), RN_ETIME);
    assert_int_equal(d.code, RN_ETIME);
    assert_int_equal(head_seq(&f->s, &authors[A_NL], NULL), 5);
    assert_int_equal(entries_held(&f->s), 5);
    free(old);

    /* The same timestamp as the head is fine. */
    uint8_t *same = sign_entry(&authors[A_NL], 6, nl.id[4], nl.ts[4], PROTO_KIND_SPEC, &b, &len);
    run = (proto_str){ same, (uint32_t)len };
    assert_int_equal(store_ingest(&f->s, &run, 1, &res, &d), 0);
    assert_int_equal(res.accepted, 1);
    check_ok(&f->s, 6);
    free(same);
    chain_free(&nl);
}

/* ---- Log reads ---- */

typedef struct collect {
    uint64_t seq[64];
    size_t n;
    int stop_after; /* return 7 after this many, or 0 for never */
    const chain *c;
} collect;

static int collect_cb(void *ctx, uint64_t seq, const uint8_t *bytes, size_t len)
{
    collect *k = ctx;
    assert_true(seq >= 1 && seq <= k->c->n);
    assert_int_equal(len, k->c->raw[seq - 1].len);
    assert_memory_equal(bytes, k->c->raw[seq - 1].ptr, len);
    k->seq[k->n++] = seq;
    return k->stop_after != 0 && (int)k->n == k->stop_after ? 7 : 0;
}

static void test_entries_range(void **state)
{
    fixture *f = *state;
    chain nl, fr;
    store_ingest_result res;
    store_read r;
    size_t n;
    collect k;

    chain_nl(&nl, 20);
    chain_fr(&fr, 10);
    assert_int_equal(ingest(&f->s, &fr, 1, 10, &res, NULL), 0);
    assert_int_equal(ingest(&f->s, &nl, 1, 20, &res, NULL), 0);
    assert_int_equal(store_query_begin(&f->s, &r), 0);

    k = (collect){ .c = &nl };
    assert_int_equal(store_entries_range(&r, authors[A_NL].pk, 1, 5, SIZE_MAX, collect_cb, &k, &n),
                     0);
    assert_int_equal(n, 5);
    assert_int_equal(k.n, 5);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(k.seq[i], i + 1);

    /* max_bytes: exactly three entries' worth, then one byte less. */
    size_t three = nl.raw[2].len + nl.raw[3].len + nl.raw[4].len;
    k = (collect){ .c = &nl };
    assert_int_equal(store_entries_range(&r, authors[A_NL].pk, 3, 100, three, collect_cb, &k, &n),
                     0);
    assert_int_equal(n, 3);
    assert_int_equal(k.seq[0], 3);
    k = (collect){ .c = &nl };
    assert_int_equal(
        store_entries_range(&r, authors[A_NL].pk, 3, 100, three - 1, collect_cb, &k, &n), 0);
    assert_int_equal(n, 2);
    /* At least one entry, whatever its size. */
    k = (collect){ .c = &nl };
    assert_int_equal(store_entries_range(&r, authors[A_NL].pk, 7, 100, 1, collect_cb, &k, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(k.seq[0], 7);

    /* The end of the log, and past it: nothing of the next author in key order. */
    k = (collect){ .c = &nl };
    assert_int_equal(
        store_entries_range(&r, authors[A_NL].pk, 18, 100, SIZE_MAX, collect_cb, &k, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(k.seq[2], 20);
    k = (collect){ .c = &nl };
    assert_int_equal(
        store_entries_range(&r, authors[A_NL].pk, 21, 100, SIZE_MAX, collect_cb, &k, &n), 0);
    assert_int_equal(n, 0);
    k = (collect){ .c = &fr };
    assert_int_equal(
        store_entries_range(&r, authors[A_FR].pk, 1, 100, SIZE_MAX, collect_cb, &k, &n), 0);
    assert_int_equal(n, 10);
    k = (collect){ .c = &nl };
    assert_int_equal(
        store_entries_range(&r, authors[A_IE].pk, 1, 100, SIZE_MAX, collect_cb, &k, &n), 0);
    assert_int_equal(n, 0);

    /* The callback stops the walk. */
    k = (collect){ .c = &nl, .stop_after = 2 };
    assert_int_equal(
        store_entries_range(&r, authors[A_NL].pk, 1, 100, SIZE_MAX, collect_cb, &k, &n), 7);
    assert_int_equal(k.n, 2);
    store_read_end(&r);
    check_ok(&f->s, 30);
    chain_free(&nl);
    chain_free(&fr);
}

static void test_entry_find(void **state)
{
    fixture *f = *state;
    chain nl, fr;
    store_ingest_result res;
    store_read r;
    uint8_t who[PROTO_KEY_BYTES];
    uint64_t seq;

    chain_nl(&nl, 12);
    chain_fr(&fr, 7);
    assert_int_equal(ingest(&f->s, &nl, 1, 12, &res, NULL), 0);
    assert_int_equal(ingest(&f->s, &fr, 1, 7, &res, NULL), 0);
    assert_int_equal(store_query_begin(&f->s, &r), 0);
    for (size_t i = 0; i < nl.n; i++) {
        assert_int_equal(store_entry_find(&r, nl.id[i], who, &seq), 0);
        assert_memory_equal(who, authors[A_NL].pk, PROTO_KEY_BYTES);
        assert_int_equal(seq, i + 1);
    }
    for (size_t i = 0; i < fr.n; i++) {
        assert_int_equal(store_entry_find(&r, fr.id[i], who, &seq), 0);
        assert_memory_equal(who, authors[A_FR].pk, PROTO_KEY_BYTES);
        assert_int_equal(seq, i + 1);
    }
    uint8_t unknown[PROTO_ID_BYTES];
    memcpy(unknown, nl.id[0], PROTO_ID_BYTES);
    unknown[0] ^= 1;
    assert_int_equal(store_entry_find(&r, unknown, who, &seq), RN_ENOTFOUND);
    proto_str b;
    assert_int_equal(store_entry_get(&r, authors[A_NL].pk, 13, &b), RN_ENOTFOUND);
    assert_int_equal(store_entry_get(&r, authors[A_IE].pk, 1, &b), RN_ENOTFOUND);
    store_head h;
    assert_int_equal(store_head_get(&r, authors[A_IE].pk, &h), RN_ENOTFOUND);
    store_read_end(&r);
    check_ok(&f->s, 19);
    chain_free(&nl);
    chain_free(&fr);
}

/* ---- Record versions ---- */

static void version_is(store *s, proto_kind kind, const void *rid, size_t rid_len, uint64_t at,
                       int want_rc, uint64_t want_seq)
{
    store_read r;
    store_version v;
    assert_int_equal(store_query_begin(s, &r), 0);
    assert_int_equal(store_version_get(&r, kind, rid, rid_len, at, &v), want_rc);
    if (want_rc == 0) {
        assert_memory_equal(v.author, authors[A_IE].pk, PROTO_KEY_BYTES);
        assert_int_equal(v.seq, want_seq);
        assert_true(v.timestamp_ms <= at);
    }
    store_read_end(&r);
}

static void test_version_get(void **state)
{
    fixture *f = *state;
    body b;
    const uint8_t *sk = authors[A_IE].sk;
    const char *rid = "IE:uniz/mc-c012";
    const size_t rl = strlen(rid);

    provider_uniz(&b);
    assert_int_equal(
        store_append(&f->s, sk, PROTO_KIND_PROVIDER, b.b, b.len, T_LOG, NULL, NULL, NULL, NULL), 0);
    /* Published at +2 s (seq 2), updated at +5 s (seq 3), and a spec whose id extends it. */
    spec_zed(&b, rid, "IE:uniz", "Digital micro-credential creation");
    assert_int_equal(
        store_append(&f->s, sk, PROTO_KIND_SPEC, b.b, b.len, T_LOG + 2000, NULL, NULL, NULL, NULL),
        0);
    spec_zed(&b, rid, "IE:uniz", "Digital micro-credential creation and verification");
    assert_int_equal(
        store_append(&f->s, sk, PROTO_KIND_SPEC, b.b, b.len, T_LOG + 5000, NULL, NULL, NULL, NULL),
        0);
    spec_zed(&b, "IE:uniz/mc-c0123", "IE:uniz", "Digital micro-credential creation");
    assert_int_equal(
        store_append(&f->s, sk, PROTO_KIND_SPEC, b.b, b.len, T_LOG + 6000, NULL, NULL, NULL, NULL),
        0);

    version_is(&f->s, PROTO_KIND_SPEC, rid, rl, T_LOG + 1999, RN_ENOTFOUND, 0);
    version_is(&f->s, PROTO_KIND_SPEC, rid, rl, T_LOG + 2000, 0, 2);
    version_is(&f->s, PROTO_KIND_SPEC, rid, rl, T_LOG + 4999, 0, 2);
    version_is(&f->s, PROTO_KIND_SPEC, rid, rl, T_LOG + 5000, 0, 3);
    version_is(&f->s, PROTO_KIND_SPEC, rid, rl, T_LOG + 100000, 0, 3);
    version_is(&f->s, PROTO_KIND_SPEC, rid, rl, UINT64_MAX, 0, 3);
    version_is(&f->s, PROTO_KIND_SPEC, "IE:uniz/mc-c0123", rl + 1, UINT64_MAX, 0, 4);
    version_is(&f->s, PROTO_KIND_SPEC, "IE:uniz/mc-c01", rl - 1, UINT64_MAX, RN_ENOTFOUND, 0);
    version_is(&f->s, PROTO_KIND_PROVIDER, rid, rl, UINT64_MAX, RN_ENOTFOUND, 0);
    version_is(&f->s, PROTO_KIND_PROVIDER, "IE:uniz", 7, UINT64_MAX, 0, 1);
    version_is(&f->s, PROTO_KIND_PROVIDER, "IE:uniz", 7, T_LOG - 1, RN_ENOTFOUND, 0);

    /* The versions load as the records they are. */
    store_read r;
    store_version v;
    proto_entry e;
    proto_record rec;
    assert_int_equal(store_query_begin(&f->s, &r), 0);
    assert_int_equal(
        store_version_get(&r, PROTO_KIND_SPEC, (const uint8_t *)rid, rl, T_LOG + 3000, &v), 0);
    assert_int_equal(store_version_load(&r, &v, &e, &rec), 0);
    assert_int_equal(e.seq, 2);
    assert_int_equal(rec.kind, PROTO_KIND_SPEC);
    assert_true(proto_str_eq(rec.u.spec.title[0].text, S("Digital micro-credential creation")));
    assert_int_equal(
        store_version_get(&r, PROTO_KIND_SPEC, (const uint8_t *)rid, rl, UINT64_MAX, &v), 0);
    assert_int_equal(store_version_load(&r, &v, NULL, &rec), 0);
    assert_true(proto_str_eq(rec.u.spec.title[0].text,
                             S("Digital micro-credential creation and verification")));
    store_read_end(&r);

    /* A revocation is found by credential digest and provider. */
    revocation_uniz(&b);
    assert_int_equal(store_append(&f->s, sk, PROTO_KIND_REVOCATION, b.b, b.len, T_LOG + 7000, NULL,
                                  NULL, NULL, NULL),
                     0);
    uint8_t rrid[PROTO_DIGEST_BYTES + 7];
    memcpy(rrid, credential, PROTO_DIGEST_BYTES);
    memcpy(rrid + PROTO_DIGEST_BYTES, "IE:uniz", 7);
    version_is(&f->s, PROTO_KIND_REVOCATION, rrid, sizeof(rrid), UINT64_MAX, 0, 5);
    version_is(&f->s, PROTO_KIND_REVOCATION, rrid, sizeof(rrid), T_LOG + 6999, RN_ENOTFOUND, 0);
    check_ok(&f->s, 5);
}

/* ---- The consistency check ---- */

/* ---- Signatures: anchors, the verified watermark, evidence of an unsigned entry ---- */

/* chain_nl, but the signatures of entries bad_from .. bad_to (seqs) are garbage: each entry is
 * signed, its signature's last byte flipped, and the next entry linked to the id of the result,
 * so that the links hold and only the last entry's own signature verifies. */
static void chain_nl_garbled(chain *c, size_t n, uint64_t bad_from, uint64_t bad_to)
{
    chain_nl(c, n);
    for (size_t i = 0; i < n; i++) {
        uint64_t seq = i + 1;
        proto_entry e;
        assert_int_equal(proto_entry_decode(&e, c->raw[i].ptr, c->raw[i].len, NULL), 0);
        if (seq > 1 && (e.prev == NULL || memcmp(e.prev, c->id[i - 1], PROTO_ID_BYTES) != 0)) {
            body b;
            memcpy(b.b, e.body, e.body_len);
            b.len = e.body_len;
            size_t len;
            uint8_t *fresh = sign_entry(c->a, seq, c->id[i - 1], e.timestamp_ms, e.kind, &b, &len);
            free((void *)c->raw[i].ptr);
            c->raw[i] = (proto_str){ fresh, (uint32_t)len };
        }
        if (seq >= bad_from && seq <= bad_to)
            ((uint8_t *)c->raw[i].ptr)[c->raw[i].len - 1] ^= 0x5a;
        proto_entry_id(c->raw[i].ptr, c->raw[i].len, c->id[i]);
    }
}

static store_sigs sigs_of(store *s, const author *a)
{
    store_read r;
    store_sigs sg;
    assert_int_equal(store_query_begin(s, &r), 0);
    assert_int_equal(store_sigs_get(&r, a->pk, &sg), 0);
    store_read_end(&r);
    return sg;
}

static int anchor_last(store *s, const author *a, uint64_t from, uint64_t to, uint64_t *seq)
{
    store_read r;
    assert_int_equal(store_query_begin(s, &r), 0);
    int rc = store_anchor_last(&r, a->pk, from, to, seq);
    store_read_end(&r);
    return rc;
}

static int entry_verified(store *s, const author *a, uint64_t seq)
{
    store_read r;
    proto_str e;
    assert_int_equal(store_query_begin(s, &r), 0);
    int rc = store_entry_get_verified(&r, a->pk, seq, &e);
    store_read_end(&r);
    return rc;
}

static void test_anchors_garbled_run(void **state)
{
    fixture *f = *state;
    const author *nl = &authors[A_NL];
    chain c;
    store_ingest_result res;
    store_verify_result vr;
    store_head h;
    rn_diag d = { 0 };
    uint64_t at = 0;

    /* Seqs 2 .. 9 unsigned, 10 signed: the run verifies as a run and is accepted. */
    chain_nl_garbled(&c, 10, 2, 9);
    assert_int_equal(ingest(&f->s, &c, 1, 10, &res, &d), 0);
    assert_int_equal(res.accepted, 10);
    /* Only the last entry is an anchor; nothing ends on seqs 1 .. 9 yet. */
    assert_int_equal(anchor_last(&f->s, nl, 1, 9, &at), RN_ENOTFOUND);
    assert_int_equal(anchor_last(&f->s, nl, 1, 10, &at), 0);
    assert_int_equal(at, 10);
    {
        store_read r;
        assert_int_equal(store_query_begin(&f->s, &r), 0);
        assert_int_equal(store_anchor_first(&r, nl->pk, 2, 10, &at), 0);
        assert_int_equal(at, 10);
        assert_int_equal(store_anchor_first(&r, nl->pk, 2, 9, &at), RN_ENOTFOUND);
        store_read_end(&r);
    }
    /* What a node vouches for is verified entry by entry. */
    assert_int_equal(entry_verified(&f->s, nl, 1), 0);
    assert_int_equal(entry_verified(&f->s, nl, 5), RN_ESIG);
    assert_int_equal(entry_verified(&f->s, nl, 10), 0);
    assert_int_equal(entry_verified(&f->s, nl, 11), RN_ENOTFOUND);

    /* The verifier, three signatures at a time: seq 1 verifies, seq 2 is the evidence. */
    assert_int_equal(store_verify_step(&f->s, 3, &vr), 0);
    assert_int_equal(vr.verified, 3);
    assert_int_equal(vr.flagged, 1);
    assert_true(vr.more);
    store_sigs sg = sigs_of(&f->s, nl);
    assert_int_equal(sg.verified_seq, 1);
    assert_int_equal(sg.checked_seq, 3);
    assert_int_equal(sg.bad_seq, 2);
    assert_int_equal(sg.bad_anchor, 10);
    head_seq(&f->s, nl, &h);
    assert_true(h.flags & STORE_HEAD_BADSIG);
    assert_false(h.flags & STORE_HEAD_FORKED);
    /* To the end: six more failures, no new flag, and the anchor needs no verification. */
    uint32_t total = 0;
    do {
        assert_int_equal(store_verify_step(&f->s, 4, &vr), 0);
        assert_int_equal(vr.flagged, 0);
        total += vr.verified;
    } while (vr.more);
    assert_int_equal(total, 6);
    sg = sigs_of(&f->s, nl);
    assert_int_equal(sg.verified_seq, 1);
    assert_int_equal(sg.checked_seq, 10);
    assert_int_equal(sg.bad_seq, 2);
    assert_int_equal(anchor_last(&f->s, nl, 1, 9, &at), 0);
    assert_int_equal(at, 1); /* the watermark */
    assert_int_equal(anchor_last(&f->s, nl, 2, 9, &at), RN_ENOTFOUND);

    /* The flag, the evidence and the anchors survive a reopen; nothing is left to check. */
    store_close(&f->s);
    assert_int_equal(store_open(&f->s, f->dir, NULL), 0);
    sg = sigs_of(&f->s, nl);
    assert_int_equal(sg.bad_seq, 2);
    assert_int_equal(sg.bad_anchor, 10);
    head_seq(&f->s, nl, &h);
    assert_true(h.flags & STORE_HEAD_BADSIG);
    assert_int_equal(store_verify_step(&f->s, 4, &vr), 0);
    assert_int_equal(vr.verified, 0);
    assert_false(vr.more);
    assert_int_equal(store_verify_step(&f->s, 4, &vr), 0); /* not pending: free */
    assert_int_equal(vr.verified, 0);
    check_ok(&f->s, 10);
    chain_free(&c);
}

static void test_anchors_honest(void **state)
{
    fixture *f = *state;
    const author *fr = &authors[A_FR], *ie = &authors[A_IE];
    chain c;
    store_ingest_result res;
    store_verify_result vr;
    rn_diag d = { 0 };
    uint64_t at = 0;
    body b;

    chain_fr(&c, 6);
    assert_int_equal(ingest(&f->s, &c, 1, 3, &res, &d), 0);
    assert_int_equal(ingest(&f->s, &c, 4, 3, &res, &d), 0);
    /* Each run's last entry is an anchor. */
    assert_int_equal(anchor_last(&f->s, fr, 1, 5, &at), 0);
    assert_int_equal(at, 3);
    /* Own entries are anchors. */
    provider_uniz(&b);
    assert_int_equal(
        store_append(&f->s, ie->sk, PROTO_KIND_PROVIDER, b.b, b.len, T_LOG, NULL, NULL, NULL, &d),
        0);
    assert_int_equal(anchor_last(&f->s, ie, 1, 1, &at), 0);
    /* The verifier raises every watermark to the head, verifying what no anchor covered. */
    uint32_t total = 0;
    do {
        assert_int_equal(store_verify_step(&f->s, 2, &vr), 0);
        assert_int_equal(vr.flagged, 0);
        total += vr.verified;
    } while (vr.more);
    assert_int_equal(total, 4); /* FR 1, 2, 4, 5 */
    assert_int_equal(sigs_of(&f->s, fr).verified_seq, 6);
    assert_int_equal(sigs_of(&f->s, ie).verified_seq, 1);
    assert_int_equal(anchor_last(&f->s, fr, 1, 5, &at), 0);
    assert_int_equal(at, 5);
    store_head h;
    head_seq(&f->s, fr, &h);
    assert_int_equal(h.flags, 0);
    /* An anchor recorded by hand (the serving path verified it). */
    chain_free(&c);
    chain_nl_garbled(&c, 4, 1, 3);
    assert_int_equal(ingest(&f->s, &c, 1, 4, &res, &d), 0);
    assert_int_equal(anchor_last(&f->s, &authors[A_NL], 1, 3, &at), RN_ENOTFOUND);
    assert_int_equal(store_anchor_put(&f->s, authors[A_NL].pk, 2), 0);
    assert_int_equal(anchor_last(&f->s, &authors[A_NL], 1, 3, &at), 0);
    assert_int_equal(at, 2);
    check_ok(&f->s, 11);
    chain_free(&c);
}

/* A proof bundle never carries an entry whose own signature fails: the answer is refused. */
static void test_proof_refuses_unsigned(void **state)
{
    fixture *f = *state;
    const author *ie = &authors[A_IE];
    store_ingest_result res;
    rn_diag d = { 0 };
    body b;
    chain c;
    chain_init(&c, ie, 2);
    provider_uniz(&b);
    chain_add(&c, T_LOG, PROTO_KIND_PROVIDER, &b);
    spec_zed(&b, "IE:uniz/dmcc", "IE:uniz", "Digital micro-credential creation");
    chain_add(&c, T_LOG + 1000, PROTO_KIND_SPEC, &b);
    /* The provider entry unsigned, the spec entry (linked to it) signed. */
    ((uint8_t *)c.raw[0].ptr)[c.raw[0].len - 1] ^= 0x5a;
    proto_entry_id(c.raw[0].ptr, c.raw[0].len, c.id[0]);
    free((void *)c.raw[1].ptr);
    c.n = 1;
    chain_add(&c, T_LOG + 1000, PROTO_KIND_SPEC, &b);
    assert_int_equal(ingest(&f->s, &c, 1, 2, &res, &d), 0);

    store_read r;
    query_recognition q;
    mp_buf proof;
    mp_buf_init(&proof, RN_PROOF_BYTES_MAX);
    assert_int_equal(store_query_begin(&f->s, &r), 0);
    /* Without a bundle the answer stands (the entry is authentic through the link). */
    assert_int_equal(query_recognise(&r, S("IE:uniz/dmcc"), "FR", PROTO_PURPOSE_FURTHER_STUDY,
                                     QUERY_AT_NOW, &q, NULL),
                     0);
    assert_false(q.forked);
    assert_int_equal(query_recognise(&r, S("IE:uniz/dmcc"), "FR", PROTO_PURPOSE_FURTHER_STUDY,
                                     QUERY_AT_NOW, &q, &proof),
                     RN_ESIG);
    assert_int_equal(proof.len, 0);
    store_read_end(&r);
    /* Once the verifier has found it, answers resting on the author say so. */
    store_verify_result vr;
    assert_int_equal(store_verify_step(&f->s, 8, &vr), 0);
    assert_int_equal(vr.flagged, 1);
    assert_int_equal(store_query_begin(&f->s, &r), 0);
    assert_int_equal(query_recognise(&r, S("IE:uniz/dmcc"), "FR", PROTO_PURPOSE_FURTHER_STUDY,
                                     QUERY_AT_NOW, &q, NULL),
                     0);
    assert_true(q.forked);
    store_read_end(&r);
    mp_buf_free(&proof);
    check_ok(&f->s, 2);
    chain_free(&c);
}

static void test_check_damaged(void **state)
{
    fixture *f = *state;
    chain nl, fr;
    store_ingest_result res;
    MDB_txn *txn;
    MDB_cursor *c;
    MDB_val k, v;
    uint8_t key[512], val[512];
    size_t klen, vlen;

    chain_nl(&nl, 10);
    chain_fr(&fr, 10);
    assert_int_equal(ingest(&f->s, &nl, 1, 10, &res, NULL), 0);
    assert_int_equal(ingest(&f->s, &fr, 1, 10, &res, NULL), 0);
    check_ok(&f->s, 20);

    /* Delete one key of the versions index. */
    assert_int_equal(mdb_txn_begin(f->s.priv->env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_cursor_open(txn, f->s.priv->dbi[STORE_DB_VERSIONS], &c), 0);
    assert_int_equal(mdb_cursor_get(c, &k, &v, MDB_FIRST), 0);
    assert_int_equal(mdb_cursor_get(c, &k, &v, MDB_NEXT), 0);
    klen = k.mv_size;
    vlen = v.mv_size;
    memcpy(key, k.mv_data, klen);
    memcpy(val, v.mv_data, vlen);
    assert_int_equal(mdb_cursor_del(c, 0), 0);
    mdb_cursor_close(c);
    assert_int_equal(mdb_txn_commit(txn), 0);
    store_check_result cr;
    assert_int_equal(store_check(&f->s, &cr), RN_ECORRUPT);

    /* Put it back, and the replica is whole again. */
    assert_int_equal(mdb_txn_begin(f->s.priv->env, NULL, 0, &txn), 0);
    k = (MDB_val){ klen, key };
    v = (MDB_val){ vlen, val };
    assert_int_equal(mdb_put(txn, f->s.priv->dbi[STORE_DB_VERSIONS], &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    check_ok(&f->s, 20);

    /* A version that no entry implies. */
    assert_int_equal(mdb_txn_begin(f->s.priv->env, NULL, 0, &txn), 0);
    key[klen - 1] ^= 0x01; /* another seq */
    assert_int_equal(mdb_put(txn, f->s.priv->dbi[STORE_DB_VERSIONS], &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    assert_int_equal(store_check(&f->s, &cr), RN_ECORRUPT);
    assert_int_equal(mdb_txn_begin(f->s.priv->env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_del(txn, f->s.priv->dbi[STORE_DB_VERSIONS], &k, NULL), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    check_ok(&f->s, 20);

    /* An id that no longer maps back to its entry. */
    assert_int_equal(mdb_txn_begin(f->s.priv->env, NULL, 0, &txn), 0);
    k = (MDB_val){ PROTO_ID_BYTES, nl.id[3] };
    assert_int_equal(mdb_del(txn, f->s.priv->dbi[STORE_DB_IDS], &k, NULL), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    assert_int_equal(store_check(&f->s, &cr), RN_ECORRUPT);
    chain_free(&nl);
    chain_free(&fr);
}

/* A roster change keeps the entries already held, and the check still holds for them. */
static void test_roster_change(void **state)
{
    fixture *f = *state;
    chain nl;
    store_ingest_result res;
    static const int members[] = { A_IE, A_FR, A_MIRROR };
    proto_roster r;

    chain_nl(&nl, 10);
    assert_int_equal(ingest(&f->s, &nl, 1, 5, &res, NULL), 0);
    roster_make(&r, members, 3);
    assert_int_equal(store_roster_set(&f->s, &r), 0);
    proto_roster_free(&r);
    assert_null(store_author_country(&f->s, authors[A_NL].pk));
    assert_int_equal(head_seq(&f->s, &authors[A_NL], NULL), 5);
    check_ok(&f->s, 5);
    assert_int_equal(ingest(&f->s, &nl, 6, 5, &res, NULL), RN_EROSTER);

    /* The new roster is the one a reopen loads. */
    store_close(&f->s);
    assert_int_equal(store_open(&f->s, f->dir, NULL), 0);
    assert_int_equal(f->s.roster.count, 3);
    assert_null(store_author_country(&f->s, authors[A_NL].pk));
    check_ok(&f->s, 5);
    chain_free(&nl);
}

/* A roster validated once and shared by several replicas (store_options.roster): a replica opens
 * over it when it is the roster the replica saved, reads and ingests under it, and leaves it whole
 * when it closes or installs another roster; a roster that is not the saved one is refused. */
static void test_roster_shared(void **state)
{
    fixture *f = *state;
    static const int saved[] = { A_IE, A_FR, A_NL, A_MIRROR }, other[] = { A_IE, A_FR, A_MIRROR };
    proto_roster shared, different, next;
    chain nl;
    store_ingest_result res;

    roster_make(&shared, saved, 4);
    roster_make(&different, other, 3);
    store_close(&f->s);
    store_options so = { .roster = &different };
    assert_int_equal(store_open(&f->s, f->dir, &so), RN_EINVAL);
    proto_roster_free(&different);

    so.roster = &shared;
    assert_int_equal(store_open(&f->s, f->dir, &so), 0);
    assert_ptr_equal(f->s.roster.members, shared.members);
    assert_string_equal(store_author_country(&f->s, authors[A_NL].pk), "NL");
    chain_nl(&nl, 5);
    assert_int_equal(ingest(&f->s, &nl, 1, 5, &res, NULL), 0);
    store_close(&f->s);
    assert_int_equal(shared.count, 4);
    assert_non_null(proto_roster_find(&shared, authors[A_NL].pk));

    /* Another roster installed over a shared one: the replica's own, the shared one untouched. */
    assert_int_equal(store_open(&f->s, f->dir, &so), 0);
    roster_make(&next, other, 3);
    assert_int_equal(store_roster_set(&f->s, &next), 0);
    proto_roster_free(&next);
    assert_ptr_not_equal(f->s.roster.members, shared.members);
    assert_null(store_author_country(&f->s, authors[A_NL].pk));
    assert_int_equal(shared.count, 4);
    store_close(&f->s);
    assert_int_equal(store_open(&f->s, f->dir, &so), RN_EINVAL);
    assert_int_equal(store_open(&f->s, f->dir, NULL), 0);
    assert_int_equal(f->s.roster.count, 3);
    check_ok(&f->s, 5);
    proto_roster_free(&shared);
    chain_free(&nl);
}

/* A map too small for what is ingested: RN_EFULL, and the replica stays whole. */
static void test_full(void **state)
{
    fixture *f = *state;
    chain nl;
    store_ingest_result res;
    store_options opt = { .map_bytes = 512u << 10, .sync_received = true };
    int rc = 0;
    uint64_t from = 1;

    store_close(&f->s);
    assert_int_equal(store_open(&f->s, f->dir, &opt), 0);
    chain_nl(&nl, 2000);
    while (from <= nl.n) {
        rc = ingest(&f->s, &nl, from, 10, &res, NULL);
        if (rc != 0)
            break;
        assert_int_equal(res.accepted, 10);
        from += 10;
        /* Reads run the index pass, which needs room too. */
        store_check_result cr;
        rc = store_check(&f->s, &cr);
        if (rc != 0)
            break;
    }
    assert_int_equal(rc, RN_EFULL);
    assert_true(from > 1 && from <= nl.n);

    /* A bigger map on reopen: every run that was accepted is there, the refused one is not, and
     * the log goes on from the head. (On the full map even reads may fail with RN_EFULL, since
     * store_query_begin runs the index pass first.) */
    store_close(&f->s);
    opt.map_bytes = 64u << 20;
    assert_int_equal(store_open(&f->s, f->dir, &opt), 0);
    uint64_t held = head_seq(&f->s, &authors[A_NL], NULL);
    assert_int_equal(held, from - 1);
    check_ok(&f->s, held);
    assert_int_equal(ingest(&f->s, &nl, held + 1, 10, &res, NULL), 0);
    assert_int_equal(res.accepted, 10);
    check_ok(&f->s, held + 10);
    chain_free(&nl);
}

/* ---- Disks (issue 10) ---- */

static int count_cb(void *ctx, uint64_t seq, const uint8_t *bytes, size_t len)
{
    (void)seq;
    (void)bytes;
    (void)len;
    (*(size_t *)ctx)++;
    return 0;
}

/* An own entry whose fsync fails is not acknowledged and not in the log, and store_append stops
 * until the store is reopened: never an entry that a crash could take back after peers saw it. */
static void test_append_sync_fails(void **state)
{
    fixture *f = *state;
    body b;
    uint8_t id[PROTO_ID_BYTES];
    uint64_t seq = 0;
    rn_diag d = { 0 };
    const uint8_t *sk = authors[A_IE].sk;

    provider_uniz(&b);
    assert_int_equal(
        store_append(&f->s, sk, PROTO_KIND_PROVIDER, b.b, b.len, T_LOG, id, &seq, NULL, &d), 0);
    assert_int_equal(seq, 1);

    f->s.test_fail_sync = 1; /* the next fsync fails, as with EIO */
    spec_zed(&b, "IE:uniz/mc-c012", "IE:uniz", "Digital micro-credential creation");
    seq = 0;
    assert_int_equal(
        store_append(&f->s, sk, PROTO_KIND_SPEC, b.b, b.len, T_LOG + 1000, id, &seq, NULL, &d),
        RN_EIO);
    assert_string_equal(d.field, "store.sync");
    assert_int_equal(seq, 0);
    assert_int_not_equal(f->s.writes_stopped, 0);
    assert_int_equal(head_seq(&f->s, &authors[A_IE], NULL), 1);
    assert_int_equal(entries_held(&f->s), 1);
    store_read r;
    proto_str e;
    assert_int_equal(store_query_begin(&f->s, &r), 0);
    assert_int_equal(store_entry_get(&r, authors[A_IE].pk, 2, &e), RN_ENOTFOUND);
    store_version v;
    assert_int_equal(store_version_get(&r, PROTO_KIND_SPEC, (const uint8_t *)"IE:uniz/mc-c012", 15,
                                       UINT64_MAX, &v),
                     RN_ENOTFOUND);
    store_read_end(&r);

    /* Every later append is refused, whatever the disk does now; reads and ingest go on. */
    assert_int_equal(
        store_append(&f->s, sk, PROTO_KIND_SPEC, b.b, b.len, T_LOG + 2000, id, &seq, NULL, &d),
        RN_EIO);
    assert_string_equal(d.field, "store.writes_stopped");
    chain nl;
    store_ingest_result res;
    chain_nl(&nl, 3);
    assert_int_equal(ingest(&f->s, &nl, 1, 3, &res, NULL), 0);
    check_ok(&f->s, 4);

    /* Reopened, the log goes on from the entry that was acknowledged. */
    store_close(&f->s);
    assert_int_equal(store_open(&f->s, f->dir, NULL), 0);
    assert_int_equal(f->s.writes_stopped, 0);
    assert_int_equal(
        store_append(&f->s, sk, PROTO_KIND_SPEC, b.b, b.len, T_LOG + 3000, id, &seq, NULL, &d), 0);
    assert_int_equal(seq, 2);
    check_ok(&f->s, 5);
    chain_free(&nl);
}

/* A full map stops ingest and the index pass, not reads: they see the last index commit and say
 * the index is behind; a larger map at reopen lets the pass finish. */
static void test_full_reads(void **state)
{
    fixture *f = *state;
    chain nl;
    store_ingest_result res;
    store_options opt = { .map_bytes = 512u << 10 };
    int rc = 0;
    uint64_t from = 1;

    store_close(&f->s);
    assert_int_equal(store_open(&f->s, f->dir, &opt), 0);
    chain_nl(&nl, 2000);
    /* One read early on, so that the provider and the first specs are indexed. */
    assert_int_equal(ingest(&f->s, &nl, 1, 10, &res, NULL), 0);
    from = 11;
    check_ok(&f->s, 10);
    while (from <= nl.n && (rc = ingest(&f->s, &nl, from, 10, &res, NULL)) == 0)
        from += 10;
    assert_int_equal(rc, RN_EFULL);
    assert_int_equal(res.accepted, 0); /* the refused run is not counted as accepted */
    assert_int_equal(ingest(&f->s, &nl, from, 200, &res, NULL), RN_EFULL);
    assert_int_equal(res.accepted, 0);

    store_read r;
    store_head h;
    store_version v;
    proto_record rec;
    size_t n = 0, got = 0;
    assert_int_equal(store_query_begin(&f->s, &r), 0);
    assert_true(r.index_behind);
    assert_int_equal(f->s.index_error, RN_EFULL);
    assert_int_equal(store_head_get(&r, authors[A_NL].pk, &h), 0);
    assert_int_equal(h.seq, from - 1);
    assert_true(h.indexed_seq < h.seq);
    assert_int_equal(store_heads(&r, &h, 1, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(
        store_entries_range(&r, authors[A_NL].pk, from - 5, 10, 1u << 20, count_cb, &got, &n), 0);
    assert_int_equal(n, 5);
    /* Record queries answer from the indexes as they stand. */
    assert_int_equal(
        store_version_get(&r, PROTO_KIND_PROVIDER, (const uint8_t *)"NL:theed", 8, UINT64_MAX, &v),
        0);
    assert_int_equal(store_version_load(&r, &v, NULL, &rec), 0);
    store_read_end(&r);
    store_check_result cr;
    assert_int_equal(store_check(&f->s, &cr), RN_EFULL);

    /* Still full after a reopen on the same map: the store opens, reads go on. */
    store_close(&f->s);
    assert_int_equal(store_open(&f->s, f->dir, &opt), 0);
    assert_int_equal(head_seq(&f->s, &authors[A_NL], NULL), from - 1);
    opt.map_bytes = 64u << 20;
    store_close(&f->s);
    assert_int_equal(store_open(&f->s, f->dir, &opt), 0);
    assert_int_equal(f->s.index_error, 0);
    check_ok(&f->s, from - 1);
    chain_free(&nl);
}

/* Flips one byte of a stored entry, as bit rot would, through LMDB (the file itself is flipped
 * in tests/integration/disks.sh). */
static void damage(store *s, const author *a, uint64_t seq, size_t at)
{
    MDB_txn *txn;
    MDB_val k, v;
    uint8_t loc[PROTO_KEY_BYTES + 8], copy[RN_ENTRY_BYTES_MAX];
    memcpy(loc, a->pk, PROTO_KEY_BYTES);
    for (unsigned i = 0; i < 8; i++)
        loc[PROTO_KEY_BYTES + i] = (uint8_t)(seq >> (56u - 8u * i));
    k = (MDB_val){ sizeof(loc), loc };
    assert_int_equal(mdb_txn_begin(s->priv->env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_get(txn, s->priv->dbi[STORE_DB_ENTRIES], &k, &v), 0);
    assert_true(at < v.mv_size);
    memcpy(copy, v.mv_data, v.mv_size);
    copy[at] ^= 0x01;
    v.mv_data = copy;
    assert_int_equal(mdb_put(txn, s->priv->dbi[STORE_DB_ENTRIES], &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
}

/* Every entry read is checked against its id: a damaged one is never handed out, counted,
 * named for a re-fetch, and put back from an intact copy. */
static void test_entry_damaged(void **state)
{
    fixture *f = *state;
    chain fr;
    store_ingest_result res;
    store_read r;
    store_version v;
    proto_record rec;
    proto_str e;
    size_t got = 0, n = 0;

    chain_fr(&fr, 12);
    assert_int_equal(ingest(&f->s, &fr, 1, 10, &res, NULL), 0);
    check_ok(&f->s, 10);
    /* The last byte of the body of decision 4: inside its record. */
    damage(&f->s, &authors[A_FR], 4, fr.raw[3].len - 70);

    assert_int_equal(store_query_begin(&f->s, &r), 0);
    assert_int_equal(store_entry_get(&r, authors[A_FR].pk, 4, &e), RN_ECORRUPT);
    assert_int_equal(f->s.integrity_errors, 1);
    assert_int_equal(f->s.damaged_seq, 4);
    assert_memory_equal(f->s.damaged_author, authors[A_FR].pk, PROTO_KEY_BYTES);
    assert_int_equal(store_entry_get(&r, authors[A_FR].pk, 3, &e), 0);
    /* A walk stops before it. */
    assert_int_equal(store_entries_range(&r, authors[A_FR].pk, 1, 10, 1u << 20, count_cb, &got, &n),
                     RN_ECORRUPT);
    assert_int_equal(n, 3);
    /* A query that rests on it fails rather than answer from altered bytes. */
    assert_int_equal(store_version_get(&r, PROTO_KIND_DECISION,
                                       (const uint8_t *)"FR:enic-naric/dec-4", 19, UINT64_MAX, &v),
                     0);
    assert_int_equal(store_version_load(&r, &v, NULL, &rec), RN_ECORRUPT);
    store_read_end(&r);
    store_check_result cr;
    assert_int_equal(store_check(&f->s, &cr), RN_ECORRUPT);
    assert_int_equal(cr.bad_seq, 4);
    assert_memory_equal(cr.bad_author, authors[A_FR].pk, PROTO_KEY_BYTES);

    /* Repair: only the entry recorded there is taken. */
    assert_int_equal(store_entry_repair(&f->s, fr.raw[4].ptr, fr.raw[4].len), 0); /* intact */
    assert_int_equal(store_entry_repair(&f->s, fr.raw[10].ptr, fr.raw[10].len), RN_ENOTFOUND);
    assert_int_equal(store_entry_repair(&f->s, fr.raw[3].ptr, fr.raw[3].len), 1);
    assert_int_equal(f->s.damaged_seq, 0);
    check_ok(&f->s, 10);
    entry_is(&f->s, &authors[A_FR], 4, fr.raw[3]);

    /* Entries not indexed yet are checked against the next entry's prev and the head. */
    assert_int_equal(ingest(&f->s, &fr, 11, 2, &res, NULL), 0);
    damage(&f->s, &authors[A_FR], 11, fr.raw[10].len - 70);
    damage(&f->s, &authors[A_FR], 12, fr.raw[11].len - 70);
    uint64_t seen = f->s.integrity_errors;
    assert_int_equal(store_snapshot_begin(&f->s, &r), 0); /* no index pass */
    assert_true(r.index_behind);
    assert_int_equal(store_entry_get(&r, authors[A_FR].pk, 10, &e), 0);
    assert_int_equal(store_entry_get(&r, authors[A_FR].pk, 11, &e), RN_ECORRUPT);
    assert_int_equal(store_entry_get(&r, authors[A_FR].pk, 12, &e), RN_ECORRUPT);
    store_read_end(&r);
    assert_int_equal(f->s.integrity_errors, seen + 2);
    assert_int_equal(store_entry_repair(&f->s, fr.raw[10].ptr, fr.raw[10].len), 1);
    assert_int_equal(store_entry_repair(&f->s, fr.raw[11].ptr, fr.raw[11].len), 1);
    check_ok(&f->s, 12);
    chain_free(&fr);
}

/* A held entry damaged before anything read it, offered again by a peer inside a run: ingest
 * puts the intact copy back rather than take it for a second entry at that seq (a fork). */
static void test_ingest_repairs_damaged(void **state)
{
    fixture *f = *state;
    chain fr;
    store_ingest_result res;
    store_head h = { .seq = 0 };
    rn_diag d = { 0 };

    chain_fr(&fr, 10);
    assert_int_equal(ingest(&f->s, &fr, 1, 8, &res, NULL), 0);
    assert_int_equal(store_index_flush(&f->s), 0);
    damage(&f->s, &authors[A_FR], 4, fr.raw[3].len - 70);
    damage(&f->s, &authors[A_FR], 8, fr.raw[7].len - 70); /* the head: its id is in the head */
    assert_int_equal(f->s.integrity_errors, 0);           /* nothing has read them yet */

    assert_int_equal(ingest(&f->s, &fr, 3, 8, &res, &d), 0);
    assert_false(res.forked);
    assert_false(res.diverged);
    assert_int_equal(res.repaired, 2);
    assert_int_equal(res.duplicates, 4);
    assert_int_equal(res.accepted, 2);
    assert_int_equal(head_seq(&f->s, &authors[A_FR], &h), 10);
    assert_int_equal(h.flags & STORE_HEAD_FORKED, 0);
    assert_int_equal(f->s.integrity_errors, 2);
    assert_int_equal(f->s.damaged_seq, 0);
    entry_is(&f->s, &authors[A_FR], 4, fr.raw[3]);
    entry_is(&f->s, &authors[A_FR], 8, fr.raw[7]);
    check_ok(&f->s, 10);
    chain_free(&fr);
}

/* Flips one bit of the replica file itself, under the open store: byte `at` of every copy of
 * entry bytes e[0..len) in data.mdb (LMDB maps the file without MDB_WRITEMAP, so the map shows
 * the page cache the write goes to). Returns the number of copies. */
static int flip_in_file(const fixture *f, proto_str e, size_t at)
{
    char path[512];
    struct stat st;
    int copies = 0;
    assert_true(snprintf(path, sizeof(path), "%s/data.mdb", f->dir) < (int)sizeof(path));
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, &st), 0);
    uint8_t *buf = malloc((size_t)st.st_size);
    assert_non_null(buf);
    assert_int_equal(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
    for (size_t i = 0; i + e.len <= (size_t)st.st_size; i++) {
        if (memcmp(buf + i, e.ptr, e.len) != 0)
            continue;
        uint8_t b = buf[i + at] ^ 0x10;
        assert_int_equal(pwrite(fd, &b, 1, (off_t)(i + at)), 1);
        copies++;
    }
    free(buf);
    close(fd);
    return copies;
}

/* Entries found intact are remembered with a fingerprint of their bytes ("Integrity"): damage
 * done after the first check, by LMDB (a rewritten page) or in the file under the running
 * process (the same page), is caught by the next read all the same, and by a reopened store. */
static void test_entry_damaged_after_check(void **state)
{
    fixture *f = *state;
    chain fr;
    store_ingest_result res;
    store_read r;
    store_version v;
    proto_record rec;
    proto_str e;

    chain_fr(&fr, 12);
    assert_int_equal(ingest(&f->s, &fr, 1, 12, &res, NULL), 0);
    check_ok(&f->s, 12);
    /* Read (and so remembered) twice, then damaged through LMDB. */
    for (int i = 0; i < 2; i++) {
        assert_int_equal(store_query_begin(&f->s, &r), 0);
        assert_int_equal(store_entry_get(&r, authors[A_FR].pk, 4, &e), 0);
        assert_int_equal(store_entry_get(&r, authors[A_FR].pk, 12, &e), 0);
        store_read_end(&r);
    }
    damage(&f->s, &authors[A_FR], 4, fr.raw[3].len - 70);
    assert_int_equal(store_query_begin(&f->s, &r), 0);
    assert_int_equal(store_entry_get(&r, authors[A_FR].pk, 4, &e), RN_ECORRUPT);
    assert_int_equal(f->s.integrity_errors, 1);
    store_read_end(&r);
    assert_int_equal(store_entry_repair(&f->s, fr.raw[3].ptr, fr.raw[3].len), 1);

    /* Read again (remembered), then one bit flipped in data.mdb under the running store: the
     * same page at the same address, within the same read transaction and in the next. */
    assert_int_equal(store_query_begin(&f->s, &r), 0);
    assert_int_equal(store_version_get(&r, PROTO_KIND_DECISION,
                                       (const uint8_t *)"FR:enic-naric/dec-4", 19, UINT64_MAX, &v),
                     0);
    assert_int_equal(store_version_load(&r, &v, NULL, &rec), 0);
    assert_int_equal(store_entry_get(&r, authors[A_FR].pk, 4, &e), 0);
    assert_int_equal(store_entry_get(&r, authors[A_FR].pk, 12, &e), 0);
    assert_true(flip_in_file(f, fr.raw[11], fr.raw[11].len - 70) >= 1);
    assert_int_equal(store_entry_get(&r, authors[A_FR].pk, 12, &e), RN_ECORRUPT);
    assert_int_equal(f->s.integrity_errors, 2);
    store_read_end(&r);
    assert_int_equal(store_query_begin(&f->s, &r), 0);
    assert_int_equal(store_version_load(&r, &v, NULL, &rec), 0);
    assert_int_equal(store_entry_get(&r, authors[A_FR].pk, 12, &e), RN_ECORRUPT);
    store_read_end(&r);

    /* After a restart, nothing is remembered: the flip is found by the first read. */
    store_close(&f->s);
    assert_int_equal(store_open(&f->s, f->dir, NULL), 0);
    assert_int_equal(store_query_begin(&f->s, &r), 0);
    assert_int_equal(store_entry_get(&r, authors[A_FR].pk, 12, &e), RN_ECORRUPT);
    assert_int_equal(f->s.integrity_errors, 1);
    assert_int_equal(f->s.damaged_seq, 12);
    store_read_end(&r);
    assert_int_equal(store_entry_repair(&f->s, fr.raw[11].ptr, fr.raw[11].len), 1);
    check_ok(&f->s, 12);
    chain_free(&fr);
}

/* Decoded records are cached by (author, seq) for the life of the open store (records.c), but
 * only ever handed out for the very bytes a read has just checked: an entry damaged after its
 * record was cached is refused all the same, and once repaired it is decoded again. */
static void test_record_cache(void **state)
{
    fixture *f = *state;
    chain fr;
    store_ingest_result res;
    store_read r;
    store_version v;
    proto_record rec, tmp;
    const proto_record *a, *b;
    proto_str e;

    chain_fr(&fr, 12);
    assert_int_equal(ingest(&f->s, &fr, 1, 12, &res, NULL), 0);
    assert_int_equal(store_query_begin(&f->s, &r), 0);
    assert_int_equal(store_version_get(&r, PROTO_KIND_DECISION,
                                       (const uint8_t *)"FR:enic-naric/dec-4", 19, UINT64_MAX, &v),
                     0);
    assert_int_equal(store_version_load(&r, &v, NULL, &rec), 0);
    store_records_scope(&r);
    assert_int_equal(store_record_load(&r, &v, PROTO_KIND_DECISION, &tmp, &a, &e), 0);
    assert_true(e.len == fr.raw[v.seq - 1].len && memcmp(e.ptr, fr.raw[v.seq - 1].ptr, e.len) == 0);
    store_read_end(&r);
    /* The next read finds it cached: the same record, not decoded into the scratch. */
    assert_int_equal(store_query_begin(&f->s, &r), 0);
    store_records_scope(&r);
    assert_int_equal(store_record_load(&r, &v, PROTO_KIND_DECISION, &tmp, &b, NULL), 0);
    assert_ptr_equal(a, b);
    assert_ptr_not_equal(b, &tmp);
    assert_int_equal(b->kind, PROTO_KIND_DECISION);
    assert_true(proto_str_eq(b->u.decision.id, rec.u.decision.id));
    assert_int_equal(b->u.decision.outcome, rec.u.decision.outcome);
    assert_true(proto_str_eq(b->u.decision.conditions, rec.u.decision.conditions));
    store_read_end(&r);
    /* Damaged through LMDB after it was cached: refused, not served from the cache. */
    uint64_t seq;
    assert_int_equal(store_query_begin(&f->s, &r), 0);
    assert_int_equal(store_version_get(&r, PROTO_KIND_DECISION,
                                       (const uint8_t *)"FR:enic-naric/dec-4", 19, UINT64_MAX, &v),
                     0);
    store_read_end(&r);
    seq = v.seq;
    damage(&f->s, &authors[A_FR], seq, fr.raw[seq - 1].len - 70);
    assert_int_equal(store_query_begin(&f->s, &r), 0);
    store_records_scope(&r);
    assert_int_equal(store_record_load(&r, &v, PROTO_KIND_DECISION, &tmp, &b, NULL), RN_ECORRUPT);
    assert_int_equal(f->s.integrity_errors, 1);
    store_read_end(&r);
    /* Repaired: read, checked and answered again. */
    assert_int_equal(store_entry_repair(&f->s, fr.raw[seq - 1].ptr, fr.raw[seq - 1].len), 1);
    assert_int_equal(store_query_begin(&f->s, &r), 0);
    store_records_scope(&r);
    assert_int_equal(store_record_load(&r, &v, PROTO_KIND_DECISION, &tmp, &b, NULL), 0);
    assert_true(proto_str_eq(b->u.decision.id, rec.u.decision.id));
    /* One bit flipped in data.mdb under the running store, within the same read: refused. */
    assert_true(flip_in_file(f, fr.raw[seq - 1], fr.raw[seq - 1].len - 70) >= 1);
    assert_int_equal(store_record_load(&r, &v, PROTO_KIND_DECISION, &tmp, &b, NULL), RN_ECORRUPT);
    store_read_end(&r);
    assert_int_equal(store_entry_repair(&f->s, fr.raw[seq - 1].ptr, fr.raw[seq - 1].len), 1);
    check_ok(&f->s, 12);
    chain_free(&fr);
}

/* A read's transaction, cursors and cache are kept for the next read (store_read_end parks
 * them): the next read sees every commit made in between, and what the cache remembered (heads,
 * signature watermarks) only while the snapshot is the same one. */
static void test_read_parked(void **state)
{
    fixture *f = *state;
    chain fr;
    store_ingest_result res;
    store_read r;
    store_head h;
    store_sigs sg;
    proto_str e;

    chain_fr(&fr, 12);
    assert_int_equal(ingest(&f->s, &fr, 1, 6, &res, NULL), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(store_query_begin(&f->s, &r), 0);
        assert_int_equal(store_head_get(&r, authors[A_FR].pk, &h), 0);
        assert_int_equal(h.seq, 6);
        assert_int_equal(store_sigs_get(&r, authors[A_FR].pk, &sg), 0);
        assert_int_equal(store_entry_get(&r, authors[A_FR].pk, 6, &e), 0);
        assert_int_equal(store_entry_get(&r, authors[A_FR].pk, 7, &e), RN_ENOTFOUND);
        store_read_end(&r);
        assert_null(r.txn);
    }
    assert_int_equal(ingest(&f->s, &fr, 7, 6, &res, NULL), 0);
    assert_int_equal(store_query_begin(&f->s, &r), 0);
    assert_int_equal(store_head_get(&r, authors[A_FR].pk, &h), 0);
    assert_int_equal(h.seq, 12);
    assert_int_equal(store_entry_get(&r, authors[A_FR].pk, 12, &e), 0);
    /* A second read while the first is open takes a transaction of its own. */
    store_read r2;
    assert_int_equal(store_snapshot_begin(&f->s, &r2), 0);
    assert_int_equal(store_head_get(&r2, authors[A_FR].pk, &h), 0);
    assert_int_equal(h.seq, 12);
    store_read_end(&r2);
    store_read_end(&r);
    check_ok(&f->s, 12);
    chain_free(&fr);
}

/* ---- Batched appends (store_append_batch) ---- */

/* A batch of a provider and `specs` specs of it, in `bodies` (room for specs + 1). */
static void batch_make(body *bodies, store_append_item *items, size_t specs)
{
    provider_uniz(&bodies[0]);
    items[0] = (store_append_item){ PROTO_KIND_PROVIDER, bodies[0].b, bodies[0].len };
    for (size_t i = 0; i < specs; i++) {
        char id[64];
        snprintf(id, sizeof(id), "IE:uniz/mc-%zu", i);
        spec_zed(&bodies[1 + i], id, "IE:uniz", "Digital micro-credential creation");
        items[1 + i] = (store_append_item){ PROTO_KIND_SPEC, bodies[1 + i].b, bodies[1 + i].len };
    }
}

/* A batch commits its entries at consecutive seqs, linked, with one timestamp, and hands out the
 * signed bytes it committed; the next batch follows on, and the records are indexed. */
static void test_append_batch(void **state)
{
    fixture *f = *state;
    enum { N = 40 };
    body *bodies = calloc(N, sizeof(*bodies));
    store_append_item items[N];
    proto_str entries[N];
    uint8_t *out = malloc(RN_APPEND_BATCH_ENTRY_BYTES_MAX);
    uint64_t first = 0;
    size_t failed = 99;
    rn_diag d = { 0 };
    assert_non_null(bodies);
    assert_non_null(out);
    batch_make(bodies, items, N - 1);

    assert_int_equal(store_append_batch(&f->s, authors[A_IE].sk, items, 25, T_LOG, out,
                                        RN_APPEND_BATCH_ENTRY_BYTES_MAX, entries, &first, NULL,
                                        &failed, &d),
                     0);
    assert_int_equal(first, 1);
    assert_int_equal(failed, 25);
    assert_int_equal(head_seq(&f->s, &authors[A_IE], NULL), 25);
    for (size_t i = 0; i < 25; i++) {
        proto_entry e;
        assert_int_equal(proto_entry_decode(&e, entries[i].ptr, entries[i].len, NULL), 0);
        assert_int_equal(e.seq, i + 1);
        assert_int_equal(e.timestamp_ms, T_LOG);
        assert_int_equal(e.body_len, items[i].body_len);
        assert_memory_equal(e.body, items[i].body, items[i].body_len);
        entry_is(&f->s, &authors[A_IE], i + 1, entries[i]);
    }
    /* A clock that went back: the second batch keeps the head's timestamp. It hands out the id of
     * its last entry, the new head's. */
    uint8_t last_id[PROTO_ID_BYTES], want_id[PROTO_ID_BYTES];
    assert_int_equal(store_append_batch(&f->s, authors[A_IE].sk, items + 25, N - 25, T_LOG - 5000,
                                        out, RN_APPEND_BATCH_ENTRY_BYTES_MAX, entries, &first,
                                        last_id, NULL, &d),
                     0);
    assert_int_equal(first, 26);
    proto_entry_id(entries[N - 26].ptr, entries[N - 26].len, want_id);
    assert_memory_equal(last_id, want_id, PROTO_ID_BYTES);
    store_head h;
    assert_int_equal(head_seq(&f->s, &authors[A_IE], &h), N);
    assert_int_equal(h.timestamp_ms, T_LOG);
    assert_memory_equal(h.id, last_id, PROTO_ID_BYTES);
    version_is(&f->s, PROTO_KIND_SPEC, "IE:uniz/mc-38", 13, UINT64_MAX, 0, N);
    check_ok(&f->s, N);
    /* Entries as store_append would have signed them: the next single append follows on. */
    uint64_t seq = 0;
    assert_int_equal(store_append(&f->s, authors[A_IE].sk, PROTO_KIND_PROVIDER, bodies[0].b,
                                  bodies[0].len, T_LOG + 1, NULL, &seq, NULL, &d),
                     0);
    assert_int_equal(seq, N + 1);
    check_ok(&f->s, N + 1);
    free(out);
    free(bodies);
}

/* A batch is all or nothing: one refused record (its position and field named), a count out of
 * range, a buffer too small, a stranger or a mirror: nothing is committed. */
static void test_append_batch_refused(void **state)
{
    fixture *f = *state;
    enum { N = 6 };
    body *bodies = calloc(N + 1, sizeof(*bodies));
    store_append_item items[N];
    uint8_t *out = malloc(RN_APPEND_BATCH_ENTRY_BYTES_MAX);
    size_t failed = 0;
    rn_diag d = { 0 };
    const uint8_t *sk = authors[A_IE].sk;
    assert_non_null(bodies);
    assert_non_null(out);
    batch_make(bodies, items, N - 1);

    /* Record 3 with EQF 9 (the field named), record 4 of another country's prefix. */
    spec_eqf9(&bodies[N], "IE:uniz/bad", "IE:uniz");
    store_append_item bad[N];
    memcpy(bad, items, sizeof(bad));
    bad[3] = (store_append_item){ PROTO_KIND_SPEC, bodies[N].b, bodies[N].len };
    assert_int_equal(store_append_batch(&f->s, sk, bad, N, T_LOG, out,
                                        RN_APPEND_BATCH_ENTRY_BYTES_MAX, NULL, NULL, NULL, &failed,
                                        &d),
                     RN_EEQF);
    assert_int_equal(failed, 3);
    assert_string_equal(d.field, "spec.eqf");
    assert_int_equal(head_seq(&f->s, &authors[A_IE], NULL), 0);

    body fr;
    spec_zed(&fr, "FR:x/1", "FR:x", "Other country");
    memcpy(bad, items, sizeof(bad));
    bad[N - 1] = (store_append_item){ PROTO_KIND_SPEC, fr.b, fr.len };
    assert_int_equal(store_append_batch(&f->s, sk, bad, N, T_LOG, out,
                                        RN_APPEND_BATCH_ENTRY_BYTES_MAX, NULL, NULL, NULL, &failed,
                                        &d),
                     RN_EPREFIX);
    assert_int_equal(failed, N - 1);

    /* A body of the wrong kind: a provider read as a spec. */
    memcpy(bad, items, sizeof(bad));
    bad[1].kind = PROTO_KIND_DECISION;
    assert_true(store_append_batch(&f->s, sk, bad, N, T_LOG, out, RN_APPEND_BATCH_ENTRY_BYTES_MAX,
                                   NULL, NULL, NULL, &failed, &d) < 0);
    assert_int_equal(failed, 1);

    /* Counts at the bounds, and one past. */
    assert_int_equal(store_append_batch(&f->s, sk, items, 0, T_LOG, out,
                                        RN_APPEND_BATCH_ENTRY_BYTES_MAX, NULL, NULL, NULL, &failed,
                                        &d),
                     RN_EINVAL);
    assert_int_equal(store_append_batch(&f->s, sk, items, RN_APPEND_BATCH_RECORDS_MAX + 1u, T_LOG,
                                        out, RN_APPEND_BATCH_ENTRY_BYTES_MAX, NULL, NULL, NULL,
                                        &failed, &d),
                     RN_EINVAL);
    /* An output buffer that holds the first entries only: nothing stays. */
    assert_int_equal(store_append_batch(&f->s, sk, items, N, T_LOG, out, 3u * 1024u, NULL, NULL,
                                        NULL, &failed, &d),
                     RN_ETOOBIG);
    assert_int_equal(store_append_batch(&f->s, authors[A_STRANGER].sk, items, N, T_LOG, out,
                                        RN_APPEND_BATCH_ENTRY_BYTES_MAX, NULL, NULL, NULL, &failed,
                                        &d),
                     RN_EROSTER);
    assert_int_equal(store_append_batch(&f->s, authors[A_MIRROR].sk, items, N, T_LOG, out,
                                        RN_APPEND_BATCH_ENTRY_BYTES_MAX, NULL, NULL, NULL, &failed,
                                        &d),
                     RN_EROLE);
    assert_int_equal(head_seq(&f->s, &authors[A_IE], NULL), 0);
    assert_int_equal(entries_held(&f->s), 0);
    check_ok(&f->s, 0);

    /* The same store then takes the valid batch whole. */
    assert_int_equal(store_append_batch(&f->s, sk, items, N, T_LOG, out,
                                        RN_APPEND_BATCH_ENTRY_BYTES_MAX, NULL, NULL, NULL, &failed,
                                        &d),
                     0);
    check_ok(&f->s, N);
    free(out);
    free(bodies);
}

/* A failed fsync takes the whole batch out again, as store_append takes out its entry, and stops
 * every later append (single or batched) until the store is reopened. */
static void test_append_batch_sync_fails(void **state)
{
    fixture *f = *state;
    enum { N = 10 };
    body *bodies = calloc(N, sizeof(*bodies));
    store_append_item items[N];
    uint8_t *out = malloc(RN_APPEND_BATCH_ENTRY_BYTES_MAX);
    uint64_t first = 0;
    rn_diag d = { 0 };
    const uint8_t *sk = authors[A_IE].sk;
    assert_non_null(bodies);
    assert_non_null(out);
    batch_make(bodies, items, N - 1);

    assert_int_equal(store_append_batch(&f->s, sk, items, 3, T_LOG, out,
                                        RN_APPEND_BATCH_ENTRY_BYTES_MAX, NULL, &first, NULL, NULL,
                                        &d),
                     0);
    f->s.test_fail_sync = 1;
    first = 0;
    assert_int_equal(store_append_batch(&f->s, sk, items + 3, N - 3, T_LOG + 1000, out,
                                        RN_APPEND_BATCH_ENTRY_BYTES_MAX, NULL, &first, NULL, NULL,
                                        &d),
                     RN_EIO);
    assert_string_equal(d.field, "store.sync");
    assert_int_equal(first, 0);
    assert_int_not_equal(f->s.writes_stopped, 0);
    assert_int_equal(head_seq(&f->s, &authors[A_IE], NULL), 3);
    assert_int_equal(entries_held(&f->s), 3);
    store_read r;
    store_version v;
    assert_int_equal(store_query_begin(&f->s, &r), 0);
    assert_int_equal(
        store_version_get(&r, PROTO_KIND_SPEC, (const uint8_t *)"IE:uniz/mc-3", 12, UINT64_MAX, &v),
        RN_ENOTFOUND);
    store_read_end(&r);
    check_ok(&f->s, 3);
    assert_int_equal(store_append_batch(&f->s, sk, items + 3, N - 3, T_LOG + 2000, out,
                                        RN_APPEND_BATCH_ENTRY_BYTES_MAX, NULL, &first, NULL, NULL,
                                        &d),
                     RN_EIO);
    assert_string_equal(d.field, "store.writes_stopped");
    assert_int_equal(store_append(&f->s, sk, PROTO_KIND_SPEC, items[3].body, items[3].body_len,
                                  T_LOG + 2000, NULL, NULL, NULL, &d),
                     RN_EIO);

    store_close(&f->s);
    assert_int_equal(store_open(&f->s, f->dir, NULL), 0);
    assert_int_equal(store_append_batch(&f->s, sk, items + 3, N - 3, T_LOG + 3000, out,
                                        RN_APPEND_BATCH_ENTRY_BYTES_MAX, NULL, &first, NULL, NULL,
                                        &d),
                     0);
    assert_int_equal(first, 4);
    check_ok(&f->s, N);
    free(out);
    free(bodies);
}

/* The order of the index pass (a radix sort that skips shared bytes a word at a time, then by
 * byte, and sorts small groups by insertion) against a plain model: qsort by database, then
 * memcmp, then the shorter first. The keys come from a small alphabet with 0x00 and 0xff, and
 * share long prefixes (across the 24 bytes held inline, and up to INDEX_KEY_MAX), repeat, and
 * are prefixes of one another, so that every branch of the sort is taken. The index pass writes
 * in this order with MDB_APPEND past each index's last key, which LMDB refuses out of order. */
typedef struct order_key {
    uint8_t db;
    const uint8_t *key;
    size_t len;
} order_key;

static int order_key_cmp(const void *a, const void *b)
{
    const order_key *x = a, *y = b;
    if (x->db != y->db)
        return x->db < y->db ? -1 : 1;
    int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);
    return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

static void test_index_order(void **state)
{
    (void)state;
    static const uint8_t alphabet[] = { 0x00, 0x01, 'a', 'b', 0x7f, 0x80, 0xff };
    static const size_t sizes[] = { 0, 1, 2, 3, 24, 25, 100, 1000, 20000 };
    uint64_t rng = 11;
    for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
        for (unsigned shape = 0; shape < 4; shape++) {
            size_t n = sizes[si];
            order_key *k = calloc(n + 1, sizeof(*k)), *model = calloc(n + 1, sizeof(*model));
            uint8_t *dbs = calloc(n + 1, 1), *bytes = malloc((n + 1) * INDEX_KEY_MAX);
            const uint8_t **keys = calloc(n + 1, sizeof(*keys));
            size_t *lens = calloc(n + 1, sizeof(*lens));
            uint32_t *order = calloc(n + 1, sizeof(*order));
            assert_non_null(k);
            assert_non_null(model);
            assert_non_null(dbs);
            assert_non_null(bytes);
            assert_non_null(keys);
            assert_non_null(lens);
            assert_non_null(order);
            /* Shapes: 0 short random keys; 1 a shared prefix of 30 bytes; 2 ids-like 32 random
             * bytes beside long keys that differ only near INDEX_KEY_MAX; 3 keys in order. */
            size_t prefix = shape == 1 ? 30 : shape == 2 ? INDEX_KEY_MAX - 3 : 0;
            for (size_t i = 0; i < n; i++) {
                uint8_t *p = bytes + i * INDEX_KEY_MAX;
                size_t len;
                uint64_t r = test_rng_next(&rng);
                if (i > 0 && r % 10 == 0) { /* a repeat, or a prefix, of an earlier key */
                    size_t j = (size_t)(test_rng_next(&rng) % i);
                    len = k[j].len - (r % 20 == 0 && k[j].len > 1 ? 1 : 0);
                    memcpy(p, k[j].key, len);
                } else if (shape == 2 && r % 2 == 0) {
                    len = 32;
                    for (size_t b = 0; b < len; b++)
                        p[b] = (uint8_t)test_rng_next(&rng);
                } else {
                    size_t tail = 1 + (size_t)(test_rng_next(&rng) % (shape == 2 ? 3 : 40));
                    len = prefix + tail;
                    memset(p, 'p', prefix);
                    for (size_t b = prefix; b < len; b++)
                        p[b] = alphabet[test_rng_next(&rng) % sizeof(alphabet)];
                    if (shape == 3) { /* ascending: the index of the key, big-endian, first */
                        len = len < 8 ? 8 : len;
                        for (int b = 0; b < 8; b++)
                            p[b] = (uint8_t)(i >> (56 - 8 * b));
                    }
                }
                dbs[i] = (uint8_t)(shape == 3 ? STORE_DB_VERSIONS
                                              : STORE_DB_IDS + test_rng_next(&rng) % 3);
                k[i] = (order_key){ dbs[i], p, len };
                keys[i] = p;
                lens[i] = len;
            }
            assert_int_equal(store_index_order(dbs, keys, lens, n, order), 0);
            memcpy(model, k, n * sizeof(*k));
            qsort(model, n, sizeof(*model), order_key_cmp);
            bool *seen = calloc(n + 1, sizeof(*seen));
            assert_non_null(seen);
            for (size_t i = 0; i < n; i++) {
                assert_true(order[i] < n);
                assert_false(seen[order[i]]); /* a permutation */
                seen[order[i]] = true;
                /* Equal keys may come in either order: compare the keys, not the positions. */
                assert_int_equal(order_key_cmp(&k[order[i]], &model[i]), 0);
            }
            free(seen);
            free(k);
            free(model);
            free(dbs);
            free(bytes);
            free(keys);
            free(lens);
            free(order);
        }
    }
}

static int group_setup(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    for (int i = 0; i < A_COUNT; i++) {
        char label[64];
        uint8_t seed[32];
        snprintf(label, sizeof(label), "recnet store test key %d %s", i, authors[i].country);
        seed_of(label, seed);
        crypto_sign_seed_keypair(authors[i].pk, authors[i].sk, seed);
    }
    uint8_t seed[32], sk[PROTO_SK_BYTES];
    seed_of("recnet store test issuer IE:uniz", seed);
    crypto_sign_seed_keypair(issuer_pk, sk, seed);
    seed_of("recnet store test credential urn:credential:3ef0ac26", credential);
    return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_reopen),
        T(test_append),
        T(test_append_refused),
        T(test_ingest_runs),
        T(test_ingest_run_bounds),
        T(test_ingest_gap),
        T(test_ingest_fork),
        T(test_ingest_roster),
        T(test_ingest_bad_signature),
        T(test_ingest_broken_link),
        T(test_ingest_bad_record),
        T(test_ingest_bad_prefix),
        T(test_ingest_undecodable),
        T(test_ingest_body_trailing),
        T(test_ingest_record_then_trailing),
        T(test_ingest_time),
        T(test_entries_range),
        T(test_entry_find),
        T(test_version_get),
        T(test_anchors_garbled_run),
        T(test_anchors_honest),
        T(test_proof_refuses_unsigned),
        T(test_check_damaged),
        T(test_roster_change),
        T(test_roster_shared),
        T(test_full),
        T(test_append_sync_fails),
        T(test_full_reads),
        T(test_entry_damaged),
        T(test_entry_damaged_after_check),
        T(test_record_cache),
        T(test_read_parked),
        T(test_ingest_repairs_damaged),
        T(test_append_batch),
        T(test_append_batch_refused),
        T(test_append_batch_sync_fails),
        cmocka_unit_test(test_index_order),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
