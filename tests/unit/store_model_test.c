/*
 * store_model_test.c: the replica and its queries (store/store.h, store/query.h) checked against a
 * plain in-memory model on thousands of random operations (SQLite's bitvec test; issue 3).
 *
 * A federation of six authorities (IE, FR, NL and GR append their own entries with store_append;
 * DE and PL are other nodes' authors whose entries this test signs itself and hands to
 * store_ingest in runs, with duplicates, gaps, bad signatures, entries dated before the head,
 * a bad last entry whose good predecessors must commit, and forks) publishes, updates and
 * withdraws providers, specs, decisions (superseding one another, moving to other specs),
 * policies, pathways and revocations, with validity windows in the past and the future, while a
 * clock moves forward by random steps (sometimes not at all, and sometimes store_append is handed
 * an earlier time, which it must clamp). Ids of every kind come in families that prefix one
 * another, up to RN_ID_BYTES_MAX bytes; credential digests include 0x00 and 0xff bytes; Greece is
 * asked about as "EL". Now and then the replica is closed and reopened, or its index pass forced.
 *
 * The model is deliberately naive: a list of every entry the replica accepted, with the timestamp
 * and seq the replica assigned and a decoded copy of its record, and for every question one linear
 * scan of that list ("the latest version of R as of T") followed by the steps of query.h's text,
 * written again from that text without looking at query.c (the two smallest rules, validity at a
 * time and purpose coverage, it takes from proto/rules.h, where they are written once and tested
 * on their own by rules_test.c). Between operations, at random, the
 * test asks recognise, search (every page), verify and stack of both, a few questions per read
 * transaction, at random times (now, the far future, entry timestamps, validity boundaries, times
 * between entries) and compares every field of the answers, error codes included; every proof
 * bundle the replica produces must pass proto_proof_verify against its roster, say what the answer
 * says and carry exactly the entries it names. Heads, fork flags, fork evidence, ids and
 * store_entries_range are compared with the model's logs, and store_check runs every 400
 * operations.
 *
 * Reproducing: a run prints its seeds; RN_SEED=<n> runs that seed alone (RN_MODEL_OPS=<n> changes
 * the number of operations, RN_MODEL_VERBOSE=1 prints how often each kind of answer came up). A
 * mismatch prints the seed, the operation number, the question and both answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dirent.h>
#include <errno.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "proto/codes.h"
#include "proto/entry.h"
#include "proto/proof.h"
#include "proto/record.h"
#include "proto/roster.h"
#include "proto/rules.h"
#include "store/query.h"
#include "store/store.h"
#include "tests/support/rng.h"

#include "testutil.h"

/* ---- The federation and its record pools ---- */

#define N_AUTH  6 /* authorities: IE, FR, NL, GR (local: store_append), DE, PL (remote: ingest) */
#define N_LOCAL 4

#define PROV_PER 4 /* providers per country */
#define SPEC_PER 8 /* specs per country, ids with shared prefixes */
#define DEC_PER  10
#define POL_PER  5
#define PW_PER   3
#define N_PROV   (N_AUTH * PROV_PER)
#define N_SPEC   (N_AUTH * SPEC_PER)
#define N_DEC    (N_AUTH * DEC_PER)
#define N_POL    (N_AUTH * POL_PER)
#define N_PW     (N_AUTH * PW_PER)
#define N_CRED   6 /* credentials revocations may name; one more that none names */
#define N_REV    (N_CRED * N_PROV)
#define N_IKEYS  8 /* issuer keys; the last is never registered */
#define ID_CAP   QUERY_ID_CAP

#define PENDING_MAX 24 /* signed entries of a remote author not yet ingested */
#define FORKS_MAX   8  /* fork entries kept per remote author */

#define DAY_MS 86400000ull
#define T0     1735689600000ull /* 2025-01-01T00:00:00Z: the clock starts here */

#define SEED_DEFAULT  20250101ull
#define SEEDS_DEFAULT 8    /* the default seed and the next seven */
#define OPS_DEFAULT   3000 /* operations per seed */
#define BUDGET_S      40   /* no further seed starts after this many seconds */

static const char *const CC[N_AUTH] = { "IE", "FR", "NL", "GR", "DE", "PL" };
/* Id suffixes of each kind: shorter ids that prefix longer ones, and the separators around '/'
 * (0x2f) in byte order ('-' 0x2d, '.' 0x2e), so that every index's prefix scans and the id order
 * of search results meet their edge cases. */
static const char *const PROV_SUFFIX[PROV_PER] = { "prov/1", "prov/10", "prov/1a", "prov-2" };
static const char *const DEC_SUFFIX[DEC_PER] = {
    "dec/1", "dec/10", "dec/100", "dec/1a", "dec/2", "dec/20", "dec-3", "dec.4", "dec/5", "dec/50"
};
static const char *const POL_SUFFIX[POL_PER] = { "pol/1", "pol/10", "pol/1a", "pol/2", "pol.3" };
static const char *const PW_SUFFIX[PW_PER] = { "pw/1", "pw/10", "pw-2" };
static const char *const SPEC_SUFFIX[SPEC_PER] = { "mc/1", "mc/10", "mc/1a", "mc/2",
                                                   "mc-x", "mc/20", "mc.b",  "mc/3" };
static const char *const SPEC_ISCED[] = { "06",   "061", "0611", "0612", "0613", "068",
                                          "0688", "041", "0413", "0416", "0588", "0313" };
static const char *const PREFIX_ISCED[] = { "06", "061", "0613", "068", "04", "041", "05", "03" };
static const char *const TITLES[] = { "Data Science Basics", "Cloud computing",
                                      "Données massives",    "DATA engineering",
                                      "Retail sales",        "Psychology of learning",
                                      "Réseaux et données",  "Software Testing",
                                      "ÉTUDES DE DONNÉES",   "Datenbanken" };
static const char *const TEXT_FILTERS[] = { "data",  "DATA", "cloud",   "es",
                                            "é",     "É",    "données", "DONNÉES",
                                            "ING",   "x",    "s",       "Psychology of learning!",
                                            "datenb" };
static const char *const LANGS[] = { "de", "en", "fr" };
static const uint32_t ECTS[] = { 1, 100, 200, 250, 300, 500, 600, 1000, 2500, 6000 };

typedef struct keypair {
    uint8_t pk[PROTO_KEY_BYTES];
    uint8_t sk[PROTO_SK_BYTES];
} keypair;

/* ---- The model ---- */

/* One entry the replica accepted, as the replica dated it. */
typedef struct ment {
    int author;    /* 0 .. N_AUTH - 1 */
    uint64_t seq;  /* as the replica assigned it */
    uint64_t ts;   /* as the replica assigned it (store_append clamps) */
    int pool;      /* index of the record's id in its kind's pool */
    uint8_t *body; /* owned copy of the body; rec borrows it */
    proto_record rec;
} ment;

/* One author's log as the replica should hold it, and (remote authors) what is signed but not
 * yet ingested, and the forks signed. */
typedef struct alog {
    uint64_t n; /* entries held: the head's seq */
    size_t cap;
    uint8_t (*id)[PROTO_ID_BYTES]; /* id[seq - 1] */
    uint64_t *ts;
    uint8_t **raw; /* the entry bytes, owned */
    size_t *raw_len;
    bool forked;
    size_t fork_n;
    uint64_t fork_seq[FORKS_MAX];
    uint8_t *fork_raw[FORKS_MAX];
    size_t fork_len[FORKS_MAX];
    size_t pend_n;
    uint8_t *pend_raw[PENDING_MAX];
    size_t pend_len[PENDING_MAX];
    uint8_t pend_id[PENDING_MAX][PROTO_ID_BYTES];
    uint64_t pend_ts[PENDING_MAX];
} alog;

typedef struct stats {
    unsigned long ops, entries, recognise, search, search_pages, verify, stack, errors, proofs,
        forks, ingests, clamps;
    unsigned long result[4];  /* recognise answers by result (0: refused) */
    unsigned long superseded; /* decisions the model dropped as superseded */
    unsigned long v_valid, v_spec_ok, v_issuer_ok, v_revoked;
    unsigned long v_retro_ok; /* checks passed on a record registered after the issue date */
    unsigned long stack_status[QUERY_STACK_STATUS_MAX + 1], stack_complete, hits;
} stats;

typedef struct world {
    uint64_t seed;
    uint64_t rng;
    unsigned op;
    char dir[64];
    store s;
    bool open;
    keypair auth[N_AUTH];
    keypair mirror;
    uint8_t ikey[N_IKEYS][PROTO_KEY_BYTES];
    uint8_t cred[N_CRED + 1][PROTO_DIGEST_BYTES];
    char prov_id[N_PROV][ID_CAP];
    char prov_phantom[N_AUTH][ID_CAP]; /* a provider id no record ever defines */
    char spec_id[N_SPEC][ID_CAP];
    char dec_id[N_DEC][ID_CAP];
    char dec_phantom[N_AUTH][ID_CAP];
    char pol_id[N_POL][ID_CAP];
    char pw_id[N_PW][ID_CAP];
    char too_long_id[RN_ID_BYTES_MAX + 2];
    ment *e;
    size_t en, ecap;
    alog log[N_AUTH];
    uint64_t now;
    mp_buf proof;
    store_read *rd; /* the read transaction of the questions being asked, or NULL */
    stats st;
    char qdesc[512]; /* the question being asked, for reports */
} world;

/* ---- Reports ---- */

static const char *errname(int rc)
{
    return rc == 0 ? "OK" : rn_err_name(rc);
}

static void world_free(world *w);

/* A mismatch or failed expectation: prints the seed, the operation and the details, removes the
 * replica and fails the test. */
static void die(world *w, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "\nstore_model_test: MISMATCH seed=%llu op=%u\n  ", (unsigned long long)w->seed,
            w->op);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n  reproduce: RN_SEED=%llu ./store_model_test\n\n",
            (unsigned long long)w->seed);
    unsigned long long seed = w->seed;
    unsigned op = w->op;
    world_free(w);
    fail_msg("store model mismatch: seed %llu, op %u", seed, op);
}

#define CHECK(w, cond, ...)                                                                        \
    do {                                                                                           \
        if (!(cond))                                                                               \
            die((w), "check failed: " #cond ": " __VA_ARGS__);                                     \
    } while (0)

/* ---- Randomness ---- */

static uint64_t rnd(world *w)
{
    return test_rng_next(&w->rng);
}

static uint32_t rn(world *w, uint32_t n)
{
    return (uint32_t)(rnd(w) % n);
}

static bool chance(world *w, uint32_t pct)
{
    return rn(w, 100) < pct;
}

#define PICK(w, arr) ((arr)[rn((w), (uint32_t)(sizeof(arr) / sizeof((arr)[0])))])

/* A time for a record's validity: mostly around now (60 days before to 30 days after), sometimes
 * anywhere from 60 days before T0 to 60 days after now. */
static uint64_t rand_time(world *w)
{
    if (chance(w, 80))
        return w->now - 60u * DAY_MS + rnd(w) % (90u * DAY_MS);
    uint64_t span = w->now - T0 + 120u * DAY_MS;
    return T0 - 60u * DAY_MS + rnd(w) % span;
}

static uint64_t rand_until(world *w, uint64_t from)
{
    if (chance(w, 40))
        return 0;
    return from + 1u + rnd(w) % (90u * DAY_MS);
}

/* ---- Small helpers ---- */

static uint64_t norm_at(uint64_t at)
{
    return at > RN_TIME_MS_MAX ? RN_TIME_MS_MAX : at;
}

/* Byte order of ids: memcmp, a shorter id before its extensions. */
static int id_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t m = alen < blen ? alen : blen;
    int c = m == 0 ? 0 : memcmp(a, b, m);
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

static bool str_eq_c(proto_str s, const char *c)
{
    size_t n = strlen(c);
    return s.len == n && (n == 0 || memcmp(s.ptr, c, n) == 0);
}

static int pool_find(const char (*ids)[ID_CAP], int n, proto_str s)
{
    for (int i = 0; i < n; i++)
        if (str_eq_c(s, ids[i]))
            return i;
    return -1;
}

static int author_of_country(const char *cc)
{
    for (int a = 0; a < N_AUTH; a++)
        if (memcmp(CC[a], cc, 2) == 0)
            return a;
    return -1;
}

static int author_of_key(const world *w, const uint8_t *pk)
{
    for (int a = 0; a < N_AUTH; a++)
        if (memcmp(w->auth[a].pk, pk, PROTO_KEY_BYTES) == 0)
            return a;
    return -1;
}

static void copy_id(char dst[QUERY_ID_CAP], proto_str s)
{
    RN_ASSERT(s.len < QUERY_ID_CAP);
    if (s.len > 0)
        memcpy(dst, s.ptr, s.len);
    dst[s.len] = '\0';
}

/* ---- The model's state as of a time ---- */

/* For every record of every pool, the index in w->e of its latest version as of some time, or -1.
 */
typedef struct snap {
    int prov[N_PROV];
    int spec[N_SPEC];
    int dec[N_DEC];
    int pol[N_POL];
    int pw[N_PW];
    int rev[N_REV];
} snap;

static int *snap_slot(snap *s, const ment *e)
{
    switch (e->rec.kind) {
    case PROTO_KIND_PROVIDER:
        return &s->prov[e->pool];
    case PROTO_KIND_SPEC:
        return &s->spec[e->pool];
    case PROTO_KIND_DECISION:
        return &s->dec[e->pool];
    case PROTO_KIND_POLICY:
        return &s->pol[e->pool];
    case PROTO_KIND_PATHWAY:
        return &s->pw[e->pool];
    case PROTO_KIND_REVOCATION:
        return &s->rev[e->pool];
    default:
        RN_ASSERT(0);
    }
    return NULL;
}

/* The latest version of each record as of `at`: the entry with the greatest (timestamp, seq)
 * among its entries with timestamp <= at. One pass over every entry. */
static void snap_take(const world *w, uint64_t at, snap *s)
{
    memset(s, 0xff, sizeof(*s));
    for (size_t i = 0; i < w->en; i++) {
        const ment *e = &w->e[i];
        if (e->ts > at)
            continue;
        int *slot = snap_slot(s, e);
        if (*slot < 0) {
            *slot = (int)i;
            continue;
        }
        const ment *o = &w->e[*slot];
        if (e->ts > o->ts || (e->ts == o->ts && e->seq > o->seq))
            *slot = (int)i;
    }
}

static void ref_of(const world *w, int i, query_ref *r)
{
    memset(r, 0, sizeof(*r));
    if (i < 0)
        return;
    const ment *e = &w->e[i];
    memcpy(r->author, w->auth[e->author].pk, PROTO_KEY_BYTES);
    r->seq = e->seq;
    r->timestamp_ms = e->ts;
}

/* ---- Valid time, written again from PROTOCOL.md 14.1 ---- */

#define VERSIONS_MAX 4096

/* The versions of record `pool` of `kind` with timestamp <= known, in (timestamp, seq) order,
 * into v[0 .. return). */
static size_t m_versions(const world *w, proto_kind kind, int pool, uint64_t known, int *v)
{
    size_t n = 0;
    for (size_t i = 0; i < w->en; i++) {
        const ment *e = &w->e[i];
        if (e->rec.kind != kind || e->pool != pool || e->ts > known)
            continue;
        RN_ASSERT(n < VERSIONS_MAX);
        size_t j = n++;
        while (j > 0 && (w->e[v[j - 1]].ts > e->ts ||
                         (w->e[v[j - 1]].ts == e->ts && w->e[v[j - 1]].seq > e->seq))) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = (int)i;
    }
    return n;
}

static uint32_t m_status_of(const ment *e)
{
    return e->rec.kind == PROTO_KIND_SPEC ? e->rec.u.spec.status : e->rec.u.provider.status;
}

/* The status at valid time t, as known at `known`: the latest version's status when t is at or
 * after the start of the last run of versions with that status (the beginning of time when the
 * run begins with the first version, else the run's first entry's timestamp); otherwise the
 * status the versions before that run give, the same way. 0 when none. */
static uint32_t m_status_at(const world *w, proto_kind kind, int pool, uint64_t known, uint64_t t)
{
    static int v[VERSIONS_MAX];
    size_t n = m_versions(w, kind, pool, known, v);
    while (n > 0) {
        uint32_t st = m_status_of(&w->e[v[n - 1]]);
        size_t r = n - 1;
        while (r > 0 && m_status_of(&w->e[v[r - 1]]) == st)
            r--;
        uint64_t start = r == 0 ? 0 : w->e[v[r]].ts;
        if (t >= start)
            return st;
        n = r;
    }
    return 0;
}

/* The issuer check of one key of provider `pool` as known at `known`, at the issue date t: the
 * window of the latest version that lists it; a version after that one withdraws it from its
 * timestamp. *first gets the timestamp of the first version that listed it (0: none). */
static uint32_t m_key_reason(const world *w, int pool, const uint8_t *key, uint64_t known,
                             uint64_t t, uint64_t *first)
{
    static int v[VERSIONS_MAX];
    size_t n = m_versions(w, PROTO_KIND_PROVIDER, pool, known, v);
    int last = -1;
    *first = 0;
    const proto_issuer_key *win = NULL;
    for (size_t i = 0; i < n; i++) {
        const proto_provider *p = &w->e[v[i]].rec.u.provider;
        for (uint32_t k = 0; k < p->issuer_keys_n; k++) {
            if (memcmp(p->issuer_keys[k].key, key, PROTO_KEY_BYTES) == 0) {
                if (*first == 0)
                    *first = w->e[v[i]].ts;
                last = (int)i;
                win = &p->issuer_keys[k];
            }
        }
    }
    if (last < 0)
        return QUERY_ISSUER_KEY_UNKNOWN;
    if ((size_t)last + 1 < n && t >= w->e[v[last + 1]].ts)
        return QUERY_ISSUER_KEY_UNKNOWN;
    if (t < win->valid_from_ms)
        return QUERY_ISSUER_KEY_NOT_YET_VALID;
    if (win->valid_until_ms != 0 && t >= win->valid_until_ms)
        return QUERY_ISSUER_KEY_EXPIRED;
    return QUERY_ISSUER_OK;
}

/* ---- The model's answers ---- */

/* The conditions of a policy, from proof.h's text for proto_policy_matches. */
static bool m_policy_matches(const proto_policy *pol, const proto_spec *sp,
                             const proto_provider *pv)
{
    if (pol->issuer_countries_n > 0) {
        bool in = false;
        for (uint32_t i = 0; i < pol->issuer_countries_n; i++)
            in = in || proto_str_eq(pol->issuer_countries[i], pv->country);
        if (!in)
            return false;
    }
    if (pol->eqf_min != 0 || pol->eqf_max != 0) {
        uint32_t lo = pol->eqf_min ? pol->eqf_min : 1, hi = pol->eqf_max ? pol->eqf_max : 8;
        if (sp->eqf == 0 || sp->eqf < lo || sp->eqf > hi)
            return false;
    }
    if (sp->ects_centi < pol->ects_min_centi)
        return false;
    if (pol->external_qa && sp->qa_type != 2) /* qualityAssuranceType 2: external */
        return false;
    if (pol->isced_prefixes_n > 0) {
        bool in = false;
        for (uint32_t i = 0; i < pol->isced_prefixes_n; i++) {
            proto_str p = pol->isced_prefixes[i];
            in = in || (p.len <= sp->isced.len && memcmp(p.ptr, sp->isced.ptr, p.len) == 0);
        }
        if (!in)
            return false;
    }
    return true;
}

static uint32_t outcome_rank(uint32_t o)
{
    switch (o) {
    case PROTO_OUTCOME_FULL:
        return 4;
    case PROTO_OUTCOME_CONDITIONAL:
        return 3;
    case PROTO_OUTCOME_PARTIAL:
        return 2;
    case PROTO_OUTCOME_DENIED:
        return 1;
    default:
        return 0;
    }
}

/* A string copied with its NUL (model side). */
static void m_copy(char *dst, size_t cap, proto_str s)
{
    snprintf(dst, cap, "%.*s", (int)s.len, s.len > 0 ? (const char *)s.ptr : "");
}

/* What every answer states of the spec and its provider as of at. */
static void m_describe(query_recognition *out, const proto_spec *sp, const proto_provider *p)
{
    out->spec_status = sp->status;
    out->provider_status = p->status;
    out->spec_title_n = sp->title_n;
    for (uint32_t i = 0; i < sp->title_n; i++) {
        m_copy(out->spec_title[i].lang, sizeof(out->spec_title[i].lang), sp->title[i].lang);
        m_copy(out->spec_title[i].text, sizeof(out->spec_title[i].text), sp->title[i].text);
    }
    out->spec_ects_centi = sp->ects_centi;
    out->spec_eqf = sp->eqf;
    m_copy(out->provider_name, sizeof(out->provider_name), p->legal_name);
}

/* The terms of a basis: a decision's or a policy's. */
static void m_terms(const proto_record *r, query_terms *t)
{
    if (r->kind == PROTO_KIND_POLICY) {
        m_copy(t->conditions, sizeof(t->conditions), r->u.policy.conditions);
        t->valid_from_ms = r->u.policy.valid_from_ms;
        t->valid_until_ms = r->u.policy.valid_until_ms;
        return;
    }
    const proto_decision *d = &r->u.decision;
    t->has_ects = d->has_ects;
    t->ects_centi = d->has_ects ? d->ects_centi : 0;
    t->eqf = d->eqf;
    t->differences_n = d->differences_n;
    for (uint32_t i = 0; i < d->differences_n; i++) {
        t->differences[i].type = d->differences[i].type;
        m_copy(t->differences[i].note, sizeof(t->differences[i].note), d->differences[i].note);
    }
    m_copy(t->conditions, sizeof(t->conditions), d->conditions);
    m_copy(t->appeal, sizeof(t->appeal), d->appeal);
    t->valid_from_ms = d->valid_from_ms;
    t->valid_until_ms = d->valid_until_ms;
    m_copy(t->supersedes, sizeof(t->supersedes), d->supersedes);
}

/* recognise, step by step as query.h says. */
static int m_recognise(world *w, proto_str spec_id, const char *cc, uint32_t purpose, uint64_t at,
                       uint64_t valid, query_recognition *out)
{
    int rc = proto_id_check(spec_id.ptr, spec_id.len);
    if (rc != 0)
        return rc;
    const proto_country *c = proto_country_find(cc, 2);
    if (c == NULL)
        return RN_ECOUNTRY;
    if (purpose < PROTO_PURPOSE_FURTHER_STUDY || purpose > PROTO_PURPOSE_BOTH)
        return RN_EENUM;
    at = norm_at(at);
    valid = norm_at(valid);
    snap S;
    snap_take(w, at, &S);

    /* a. The spec and its provider. */
    int si = pool_find(w->spec_id, N_SPEC, spec_id);
    int sv = si < 0 ? -1 : S.spec[si];
    if (sv < 0)
        return RN_ENOTFOUND;
    const proto_spec *sp = &w->e[sv].rec.u.spec;
    int pi = pool_find(w->prov_id, N_PROV, sp->provider);
    int pv = pi < 0 ? -1 : S.prov[pi];
    if (pv < 0)
        return RN_ENOTFOUND;
    /* b. The country's authority. */
    int A = author_of_country(c->alpha2);
    if (A < 0)
        return RN_ECOUNTRY;

    memset(out, 0, sizeof(*out));
    ref_of(w, sv, &out->spec);
    ref_of(w, pv, &out->provider);
    copy_id(out->provider_id, sp->provider);
    m_describe(out, sp, &w->e[pv].rec.u.provider);
    out->spec_status = m_status_at(w, PROTO_KIND_SPEC, si, at, valid);
    out->provider_status = m_status_at(w, PROTO_KIND_PROVIDER, pi, at, valid);
    out->forked = w->log[A].forked || w->log[w->e[sv].author].forked;

    /* c-f. Decisions of the country about this spec. */
    int best = -1;
    for (int d = 0; d < N_DEC; d++) {
        if (memcmp(w->dec_id[d], c->alpha2, 2) != 0)
            continue;
        int v = S.dec[d];
        if (v < 0)
            continue;
        const proto_decision *x = &w->e[v].rec.u.decision;
        if (!proto_str_eq(x->spec, spec_id))
            continue;
        bool superseded = false;
        for (int y = 0; y < N_DEC && !superseded; y++) {
            int vy = S.dec[y];
            superseded = vy >= 0 && w->e[vy].rec.u.decision.supersedes.len > 0 &&
                         proto_str_eq(w->e[vy].rec.u.decision.supersedes, x->id);
        }
        if (superseded) {
            w->st.superseded++;
            continue;
        }
        if (!proto_valid_at(x->valid_from_ms, x->valid_until_ms, valid) ||
            !proto_purpose_covers(x->purpose, purpose))
            continue;
        if (w->e[v].author != A)
            continue;
        if (best < 0 || w->e[v].ts > w->e[best].ts ||
            (w->e[v].ts == w->e[best].ts && w->e[v].seq > w->e[best].seq))
            best = v;
    }
    if (best >= 0) {
        out->result = PROTO_RESULT_DECISION;
        out->outcome = w->e[best].rec.u.decision.outcome;
        ref_of(w, best, &out->basis);
        copy_id(out->basis_id, w->e[best].rec.u.decision.id);
        m_terms(&w->e[best].rec, &out->terms);
        return 0;
    }

    /* g. The country's policies. */
    const proto_provider *prov = &w->e[pv].rec.u.provider;
    for (int p = 0; p < N_POL; p++) {
        if (memcmp(w->pol_id[p], c->alpha2, 2) != 0)
            continue;
        int v = S.pol[p];
        if (v < 0)
            continue;
        const proto_policy *pol = &w->e[v].rec.u.policy;
        if (pol->status != PROTO_STATUS_ACTIVE ||
            !proto_valid_at(pol->valid_from_ms, pol->valid_until_ms, valid) ||
            !proto_purpose_covers(pol->purpose, purpose) || w->e[v].author != A)
            continue;
        bool m = m_policy_matches(pol, sp, prov);
        if (m != proto_policy_matches(pol, sp, prov))
            die(w, "proto_policy_matches disagrees with proof.h's text (model %d) for %s, spec %s",
                m, w->pol_id[p], w->spec_id[si]);
        if (!m)
            continue;
        if (best < 0) {
            best = v;
            continue;
        }
        const proto_policy *b = &w->e[best].rec.u.policy;
        uint32_t rb = outcome_rank(b->outcome), rp = outcome_rank(pol->outcome);
        if (rp > rb || (rp == rb && id_cmp(pol->id.ptr, pol->id.len, b->id.ptr, b->id.len) < 0))
            best = v;
    }
    if (best >= 0) {
        out->result = PROTO_RESULT_AUTOMATIC;
        out->outcome = w->e[best].rec.u.policy.outcome;
        ref_of(w, best, &out->basis);
        copy_id(out->basis_id, w->e[best].rec.u.policy.id);
        m_terms(&w->e[best].rec, &out->terms);
        return 0;
    }
    /* h. */
    out->result = PROTO_RESULT_NO_DECISION;
    return 0;
}

static bool ci_contains(proto_str hay, proto_str needle)
{
    if (needle.len > hay.len)
        return false;
    for (uint32_t i = 0; i + needle.len <= hay.len; i++) {
        uint32_t j = 0;
        for (; j < needle.len; j++) {
            uint8_t a = hay.ptr[i + j], b = needle.ptr[j];
            if (a >= 'A' && a <= 'Z')
                a = (uint8_t)(a + 32);
            if (b >= 'A' && b <= 'Z')
                b = (uint8_t)(b + 32);
            if (a != b)
                break;
        }
        if (j == needle.len)
            return true;
    }
    return false;
}

static int m_search(world *w, const query_filter *f, uint64_t at, uint64_t valid, proto_str after,
                    uint32_t limit, query_hit *hits, uint32_t *n, bool *more)
{
    if (limit == 0 || limit > RN_SEARCH_RESULTS_MAX || f->eqf_min > 8 || f->eqf_max > 8 ||
        (f->eqf_min != 0 && f->eqf_max != 0 && f->eqf_min > f->eqf_max) ||
        after.len > RN_ID_BYTES_MAX || f->provider.len > RN_ID_BYTES_MAX ||
        f->isced.len > RN_ID_BYTES_MAX)
        return RN_EINVAL;
    const proto_country *c = NULL;
    if (f->country.len > 0) {
        c = proto_country_find((const char *)f->country.ptr, f->country.len);
        if (c == NULL)
            return RN_ECOUNTRY;
    }
    at = norm_at(at);
    valid = norm_at(valid);
    snap S;
    snap_take(w, at, &S);
    int found[N_SPEC];
    int nf = 0;
    for (int i = 0; i < N_SPEC; i++) {
        int v = S.spec[i];
        if (v < 0)
            continue;
        const proto_spec *sp = &w->e[v].rec.u.spec;
        if (m_status_at(w, PROTO_KIND_SPEC, i, at, valid) != PROTO_STATUS_ACTIVE ||
            !proto_valid_at(sp->valid_from_ms, sp->valid_until_ms, valid))
            continue;
        if (c != NULL && memcmp(sp->id.ptr, c->alpha2, 2) != 0)
            continue;
        if (f->provider.len > 0 && !proto_str_eq(f->provider, sp->provider))
            continue;
        if (f->eqf_min != 0 || f->eqf_max != 0) {
            uint32_t lo = f->eqf_min ? f->eqf_min : 1, hi = f->eqf_max ? f->eqf_max : 8;
            if (sp->eqf == 0 || sp->eqf < lo || sp->eqf > hi)
                continue;
        }
        if (f->isced.len > 0 &&
            (f->isced.len > sp->isced.len || memcmp(f->isced.ptr, sp->isced.ptr, f->isced.len)))
            continue;
        if (sp->ects_centi < f->ects_min_centi)
            continue;
        if (f->text.len > 0) {
            bool any = false;
            for (uint32_t t = 0; t < sp->title_n; t++)
                any = any || ci_contains(sp->title[t].text, f->text);
            if (!any)
                continue;
        }
        if (after.len > 0 && id_cmp(sp->id.ptr, sp->id.len, after.ptr, after.len) <= 0)
            continue;
        /* A spec whose provider has no version as of at is no hit, as recognise refuses it. */
        int pi = pool_find(w->prov_id, N_PROV, sp->provider);
        if (pi < 0 || S.prov[pi] < 0)
            continue;
        found[nf++] = v;
    }
    /* Insertion sort by id. */
    for (int i = 1; i < nf; i++) {
        int x = found[i], j = i - 1;
        const proto_str xi = w->e[x].rec.u.spec.id;
        while (j >= 0) {
            const proto_str yi = w->e[found[j]].rec.u.spec.id;
            if (id_cmp(yi.ptr, yi.len, xi.ptr, xi.len) <= 0)
                break;
            found[j + 1] = found[j];
            j--;
        }
        found[j + 1] = x;
    }
    *n = 0;
    for (int i = 0; i < nf && *n < limit; i++) {
        query_hit *h = &hits[*n];
        const proto_spec *sp = &w->e[found[i]].rec.u.spec;
        memset(h, 0, sizeof(*h));
        copy_id(h->spec_id, sp->id);
        ref_of(w, found[i], &h->entry);
        uint32_t t = 0; /* "en", else the first */
        for (uint32_t k = sp->title_n; k-- > 0;)
            if (proto_str_eq(sp->title[k].lang, proto_str_c("en")))
                t = k;
        m_copy(h->title, sizeof(h->title), sp->title[t].text);
        m_copy(h->title_lang, sizeof(h->title_lang), sp->title[t].lang);
        h->ects_centi = sp->ects_centi;
        h->eqf = sp->eqf;
        copy_id(h->provider_id, sp->provider);
        int pv = S.prov[pool_find(w->prov_id, N_PROV, sp->provider)];
        m_copy(h->provider_name, sizeof(h->provider_name), w->e[pv].rec.u.provider.legal_name);
        h->provider_status = m_status_at(w, PROTO_KIND_PROVIDER,
                                         pool_find(w->prov_id, N_PROV, sp->provider), at, valid);
        (*n)++;
    }
    *more = (uint32_t)nf > *n;
    return 0;
}

static int m_verify(world *w, const query_claim *cl, const char *cc, uint32_t purpose, uint64_t at,
                    uint64_t valid, query_verification *out)
{
    if (cl->issuer_key == NULL || cl->credential == NULL)
        return RN_EINVAL;
    memset(out, 0, sizeof(*out));
    int rc = m_recognise(w, cl->spec_id, cc, purpose, at, valid, &out->recognition);
    if (rc != 0)
        return rc;
    at = norm_at(at);
    valid = norm_at(valid);
    uint64_t t = norm_at(cl->issued_at_ms);
    snap S;
    snap_take(w, at, &S);
    int si = pool_find(w->spec_id, N_SPEC, cl->spec_id);
    RN_ASSERT(si >= 0 && S.spec[si] >= 0);
    /* The spec and its provider as known at at, evaluated at the issue date. */
    const proto_spec *sp = &w->e[S.spec[si]].rec.u.spec;
    uint32_t sst = m_status_at(w, PROTO_KIND_SPEC, si, at, t);
    if (sst == 0)
        out->spec_reason = QUERY_SPEC_UNKNOWN;
    else if (sst != PROTO_STATUS_ACTIVE)
        out->spec_reason = QUERY_SPEC_WITHDRAWN;
    else if (t < sp->valid_from_ms)
        out->spec_reason = QUERY_SPEC_NOT_YET_VALID;
    else if (!proto_valid_at(sp->valid_from_ms, sp->valid_until_ms, t))
        out->spec_reason = QUERY_SPEC_EXPIRED;
    out->spec_ok = out->spec_reason == QUERY_SPEC_OK;
    ref_of(w, S.spec[si], &out->spec_at_issue);
    {
        static int v[VERSIONS_MAX];
        RN_ASSERT(m_versions(w, PROTO_KIND_SPEC, si, at, v) > 0);
        out->spec_registered_ms = w->e[v[0]].ts;
    }
    copy_id(out->issuer_provider_id, sp->provider);
    int pi = pool_find(w->prov_id, N_PROV, sp->provider);
    RN_ASSERT(pi >= 0 && S.prov[pi] >= 0);
    ref_of(w, S.prov[pi], &out->issuer_provider);
    uint32_t pst = m_status_at(w, PROTO_KIND_PROVIDER, pi, at, t);
    uint64_t first = 0;
    uint32_t kr = m_key_reason(w, pi, cl->issuer_key, at, t, &first);
    if (pst == 0)
        out->issuer_reason = QUERY_ISSUER_PROVIDER_UNKNOWN;
    else if (pst == PROTO_PROVIDER_SUSPENDED)
        out->issuer_reason = QUERY_ISSUER_PROVIDER_SUSPENDED;
    else if (pst == PROTO_PROVIDER_WITHDRAWN)
        out->issuer_reason = QUERY_ISSUER_PROVIDER_WITHDRAWN;
    else
        out->issuer_reason = kr;
    out->issuer_ok = out->issuer_reason == QUERY_ISSUER_OK;
    out->key_registered_ms = first;
    out->spec_retroactive = out->spec_registered_ms > t;
    out->key_retroactive = first != 0 && first > t;

    int ci = -1;
    for (int k = 0; k < N_CRED; k++)
        if (memcmp(w->cred[k], cl->credential, PROTO_DIGEST_BYTES) == 0)
            ci = k;
    int rv = ci < 0 ? -1 : S.rev[ci * N_PROV + pi];
    if (rv >= 0 && w->e[rv].rec.u.revocation.revoked_at_ms <= valid) {
        out->revoked = true;
        ref_of(w, rv, &out->revocation);
    }
    out->valid = out->spec_ok && out->issuer_ok && !out->revoked;
    return 0;
}

static bool m_rule_meets(const world *w, const snap *S, const proto_pathway_rule *r,
                         const proto_spec *sp)
{
    if (r->eqf_min != 0 || r->eqf_max != 0) {
        uint32_t lo = r->eqf_min ? r->eqf_min : 1, hi = r->eqf_max ? r->eqf_max : 8;
        if (sp->eqf == 0 || sp->eqf < lo || sp->eqf > hi)
            return false;
    }
    if (r->isced_prefixes_n > 0) {
        bool in = false;
        for (uint32_t i = 0; i < r->isced_prefixes_n; i++) {
            proto_str p = r->isced_prefixes[i];
            in = in || (p.len <= sp->isced.len && memcmp(p.ptr, sp->isced.ptr, p.len) == 0);
        }
        if (!in)
            return false;
    }
    if (r->issuer_countries_n > 0) {
        int pi = pool_find(w->prov_id, N_PROV, sp->provider);
        int pv = pi < 0 ? -1 : S->prov[pi];
        if (pv < 0)
            return false;
        bool in = false;
        for (uint32_t i = 0; i < r->issuer_countries_n; i++)
            in = in || proto_str_eq(r->issuer_countries[i], w->e[pv].rec.u.provider.country);
        if (!in)
            return false;
    }
    return sp->ects_centi >= r->ects_min_centi;
}

static bool in_list(const proto_str *l, uint32_t n, proto_str s)
{
    for (uint32_t i = 0; i < n; i++)
        if (proto_str_eq(l[i], s))
            return true;
    return false;
}

/* Returns the error, or 0; *both_errors set when the pathway is both unknown and of another
 * country (query.h does not say which of RN_ENOTFOUND and RN_EPREFIX comes first). */
static int m_stack(world *w, const char *cc, proto_str pw_id, const proto_str *ids, size_t n,
                   uint64_t at, uint64_t valid, query_stack_result *out, bool *both_errors)
{
    *both_errors = false;
    if (n > RN_STACK_SPECS_MAX || (ids == NULL && n > 0))
        return RN_EINVAL;
    const proto_country *c = proto_country_find(cc, 2);
    if (c == NULL)
        return RN_ECOUNTRY;
    int rc = proto_id_check(pw_id.ptr, pw_id.len);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        if ((rc = proto_id_check(ids[i].ptr, ids[i].len)) != 0)
            return rc;
    at = norm_at(at);
    valid = norm_at(valid);
    snap S;
    snap_take(w, at, &S);
    int pi = pool_find(w->pw_id, N_PW, pw_id);
    int pv = pi < 0 ? -1 : S.pw[pi];
    bool prefix_ok = memcmp(pw_id.ptr, c->alpha2, 2) == 0;
    if (pv < 0) {
        *both_errors = !prefix_ok;
        return RN_ENOTFOUND;
    }
    if (!prefix_ok)
        return RN_EPREFIX;
    const proto_pathway *p = &w->e[pv].rec.u.pathway;
    memset(out, 0, sizeof(*out));
    ref_of(w, pv, &out->pathway);
    out->active = p->status == PROTO_STATUS_ACTIVE &&
                  proto_valid_at(p->valid_from_ms, p->valid_until_ms, valid);
    out->forked = w->log[w->e[pv].author].forked;
    out->ects_min_centi = p->ects_min_centi;
    out->items_n = (uint32_t)n;
    bool has_rule = p->rule.eqf_min || p->rule.eqf_max || p->rule.isced_prefixes_n ||
                    p->rule.issuer_countries_n || p->rule.ects_min_centi;
    for (size_t i = 0; i < n; i++) {
        query_stack_item *it = &out->items[i];
        copy_id(it->spec_id, ids[i]);
        for (size_t j = 0; j < i; j++)
            it->duplicate = it->duplicate || proto_str_eq(ids[j], ids[i]);
        int si = pool_find(w->spec_id, N_SPEC, ids[i]);
        int sv = si < 0 ? -1 : S.spec[si];
        if (sv < 0) {
            it->status = QUERY_STACK_UNKNOWN;
            continue;
        }
        const proto_spec *sp = &w->e[sv].rec.u.spec;
        it->ects_centi = sp->ects_centi;
        if (m_status_at(w, PROTO_KIND_SPEC, si, at, valid) != PROTO_STATUS_ACTIVE)
            it->status = QUERY_STACK_WITHDRAWN;
        else if (in_list(p->mandatory, p->mandatory_n, ids[i]))
            it->status = QUERY_STACK_MANDATORY;
        else if (in_list(p->eligible, p->eligible_n, ids[i]))
            it->status = QUERY_STACK_ELIGIBLE;
        else if (has_rule && m_rule_meets(w, &S, &p->rule, sp))
            it->status = QUERY_STACK_RULE;
        else
            it->status = QUERY_STACK_NOT_ELIGIBLE;
        it->counted = it->status == QUERY_STACK_MANDATORY || it->status == QUERY_STACK_ELIGIBLE ||
                      it->status == QUERY_STACK_RULE;
        if (it->counted && !it->duplicate)
            out->total_ects_centi += it->ects_centi;
    }
    for (uint32_t k = 0; k < p->mandatory_n; k++) {
        /* Given, and not withdrawn (a duplicate has its first occurrence's status). */
        bool given = false;
        for (size_t i = 0; i < n; i++)
            given = given || (proto_str_eq(ids[i], p->mandatory[k]) &&
                              out->items[i].status != QUERY_STACK_WITHDRAWN);
        if (given)
            continue;
        copy_id(out->missing[out->missing_n++], p->mandatory[k]);
    }
    out->complete =
        out->active && out->missing_n == 0 && out->total_ects_centi >= out->ects_min_centi;
    return 0;
}

/* ---- Printing answers ---- */

static void ref_fmt(const world *w, const query_ref *r, char *buf, size_t cap)
{
    if (r->seq == 0 && r->timestamp_ms == 0) {
        snprintf(buf, cap, "-");
        return;
    }
    int a = author_of_key(w, r->author);
    snprintf(buf, cap, "%s#%llu@%llu", a < 0 ? "??" : CC[a], (unsigned long long)r->seq,
             (unsigned long long)r->timestamp_ms);
}

static void rec_fmt(const world *w, int rc, const query_recognition *q, char *buf, size_t cap)
{
    char b[64], s[64], p[64];
    if (rc != 0) {
        snprintf(buf, cap, "%s", errname(rc));
        return;
    }
    ref_fmt(w, &q->basis, b, sizeof(b));
    ref_fmt(w, &q->spec, s, sizeof(s));
    ref_fmt(w, &q->provider, p, sizeof(p));
    snprintf(buf, cap,
             "result=%u outcome=%u basis=%s '%s' forked=%d spec=%s provider=%s '%s' status=%u/%u "
             "terms: ects=%d:%u eqf=%u diffs=%u cond=%.20s appeal=%.20s valid=%llu..%llu "
             "supersedes='%s' spec: ects=%u eqf=%u titles=%u '%.30s' provider '%.30s'",
             q->result, q->outcome, b, q->basis_id, q->forked, s, p, q->provider_id, q->spec_status,
             q->provider_status, q->terms.has_ects, q->terms.ects_centi, q->terms.eqf,
             q->terms.differences_n, q->terms.conditions, q->terms.appeal,
             (unsigned long long)q->terms.valid_from_ms,
             (unsigned long long)q->terms.valid_until_ms, q->terms.supersedes, q->spec_ects_centi,
             q->spec_eqf, q->spec_title_n, q->spec_title[0].text, q->provider_name);
}

static bool ref_eq(const query_ref *a, const query_ref *b)
{
    return memcmp(a->author, b->author, PROTO_KEY_BYTES) == 0 && a->seq == b->seq &&
           a->timestamp_ms == b->timestamp_ms;
}

static bool rec_eq(const query_recognition *a, const query_recognition *b)
{
    return test_recognition_equal(a, b);
}

static void ver_fmt(const world *w, int rc, const query_verification *v, char *buf, size_t cap)
{
    char r[64], q[1024];
    if (rc != 0) {
        snprintf(buf, cap, "%s", errname(rc));
        return;
    }
    ref_fmt(w, &v->revocation, r, sizeof(r));
    rec_fmt(w, 0, &v->recognition, q, sizeof(q));
    char si[64], ip[64];
    ref_fmt(w, &v->spec_at_issue, si, sizeof(si));
    ref_fmt(w, &v->issuer_provider, ip, sizeof(ip));
    snprintf(buf, cap,
             "valid=%d spec_ok=%d (%u, %s) issuer_ok=%d (%u, %s '%s') revoked=%d revocation=%s "
             "registered spec %llu%s key %llu%s | %s",
             v->valid, v->spec_ok, v->spec_reason, si, v->issuer_ok, v->issuer_reason, ip,
             v->issuer_provider_id, v->revoked, r, (unsigned long long)v->spec_registered_ms,
             v->spec_retroactive ? " (retroactive)" : "", (unsigned long long)v->key_registered_ms,
             v->key_retroactive ? " (retroactive)" : "", q);
}

static bool ver_eq(const query_verification *a, const query_verification *b)
{
    return a->valid == b->valid && a->spec_ok == b->spec_ok && a->issuer_ok == b->issuer_ok &&
           a->revoked == b->revoked && ref_eq(&a->revocation, &b->revocation) &&
           a->spec_reason == b->spec_reason && a->issuer_reason == b->issuer_reason &&
           ref_eq(&a->spec_at_issue, &b->spec_at_issue) &&
           ref_eq(&a->issuer_provider, &b->issuer_provider) &&
           strcmp(a->issuer_provider_id, b->issuer_provider_id) == 0 &&
           a->spec_registered_ms == b->spec_registered_ms &&
           a->key_registered_ms == b->key_registered_ms &&
           a->spec_retroactive == b->spec_retroactive && a->key_retroactive == b->key_retroactive &&
           rec_eq(&a->recognition, &b->recognition);
}

static void hits_fmt(const world *w, int rc, const query_hit *h, uint32_t n, bool more, char *buf,
                     size_t cap)
{
    if (rc != 0) {
        snprintf(buf, cap, "%s", errname(rc));
        return;
    }
    size_t used = (size_t)snprintf(buf, cap, "n=%u more=%d [", n, more);
    for (uint32_t i = 0; i < n && used < cap; i++) {
        char r[64];
        ref_fmt(w, &h[i].entry, r, sizeof(r));
        used += (size_t)snprintf(buf + used, cap - used, "%s%s=%s", i ? " " : "", h[i].spec_id, r);
    }
    if (used < cap)
        snprintf(buf + used, cap - used, "]");
}

static void stack_fmt(const world *w, int rc, const query_stack_result *s, char *buf, size_t cap)
{
    if (rc != 0) {
        snprintf(buf, cap, "%s", errname(rc));
        return;
    }
    char r[64];
    ref_fmt(w, &s->pathway, r, sizeof(r));
    size_t used = (size_t)snprintf(
        buf, cap, "pathway=%s active=%d forked=%d ects_min=%u total=%u complete=%d items=[", r,
        s->active, s->forked, s->ects_min_centi, s->total_ects_centi, s->complete);
    for (uint32_t i = 0; i < s->items_n && used < cap; i++) {
        const query_stack_item *it = &s->items[i];
        used += (size_t)snprintf(buf + used, cap - used, "%s%s:st%u%s%s:%u", i ? " " : "",
                                 it->spec_id, it->status, it->counted ? ":c" : "",
                                 it->duplicate ? ":dup" : "", it->ects_centi);
    }
    if (used < cap)
        used += (size_t)snprintf(buf + used, cap - used, "] missing=[");
    for (uint32_t i = 0; i < s->missing_n && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? " " : "", s->missing[i]);
    if (used < cap)
        snprintf(buf + used, cap - used, "]");
}

static bool stack_eq(const query_stack_result *a, const query_stack_result *b)
{
    if (!ref_eq(&a->pathway, &b->pathway) || a->active != b->active || a->forked != b->forked ||
        a->ects_min_centi != b->ects_min_centi || a->total_ects_centi != b->total_ects_centi ||
        a->items_n != b->items_n || a->missing_n != b->missing_n || a->complete != b->complete)
        return false;
    for (uint32_t i = 0; i < a->items_n; i++) {
        const query_stack_item *x = &a->items[i], *y = &b->items[i];
        if (strcmp(x->spec_id, y->spec_id) != 0 || x->status != y->status ||
            x->counted != y->counted || x->duplicate != y->duplicate ||
            x->ects_centi != y->ects_centi)
            return false;
    }
    for (uint32_t i = 0; i < a->missing_n; i++)
        if (strcmp(a->missing[i], b->missing[i]) != 0)
            return false;
    return true;
}

/* ---- Building the replica and the model together ---- */

static void log_push(alog *l, const uint8_t id[PROTO_ID_BYTES], uint64_t ts, uint8_t *raw,
                     size_t raw_len)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->id = realloc(l->id, l->cap * sizeof(*l->id));
        l->ts = realloc(l->ts, l->cap * sizeof(*l->ts));
        l->raw = realloc(l->raw, l->cap * sizeof(*l->raw));
        l->raw_len = realloc(l->raw_len, l->cap * sizeof(*l->raw_len));
        RN_ASSERT(l->id && l->ts && l->raw && l->raw_len);
    }
    memcpy(l->id[l->n], id, PROTO_ID_BYTES);
    l->ts[l->n] = ts;
    l->raw[l->n] = raw;
    l->raw_len[l->n] = raw_len;
    l->n++;
}

static int record_pool(const world *w, const proto_record *r)
{
    switch (r->kind) {
    case PROTO_KIND_PROVIDER:
        return pool_find(w->prov_id, N_PROV, r->u.provider.id);
    case PROTO_KIND_SPEC:
        return pool_find(w->spec_id, N_SPEC, r->u.spec.id);
    case PROTO_KIND_DECISION:
        return pool_find(w->dec_id, N_DEC, r->u.decision.id);
    case PROTO_KIND_POLICY:
        return pool_find(w->pol_id, N_POL, r->u.policy.id);
    case PROTO_KIND_PATHWAY:
        return pool_find(w->pw_id, N_PW, r->u.pathway.id);
    case PROTO_KIND_REVOCATION: {
        int pi = pool_find(w->prov_id, N_PROV, r->u.revocation.provider);
        for (int c = 0; c < N_CRED && pi >= 0; c++)
            if (memcmp(w->cred[c], r->u.revocation.credential, PROTO_DIGEST_BYTES) == 0)
                return c * N_PROV + pi;
        return -1;
    }
    default:
        return -1;
    }
}

/* Records an accepted entry in the model (the body is copied and decoded). */
static void model_add(world *w, int a, uint64_t seq, uint64_t ts, proto_kind kind,
                      const uint8_t *body, size_t len)
{
    if (w->en == w->ecap) {
        w->ecap = w->ecap ? w->ecap * 2 : 256;
        w->e = realloc(w->e, w->ecap * sizeof(*w->e));
        RN_ASSERT(w->e != NULL);
    }
    ment *e = &w->e[w->en];
    memset(e, 0, sizeof(*e));
    e->author = a;
    e->seq = seq;
    e->ts = ts;
    e->body = malloc(len);
    RN_ASSERT(e->body != NULL);
    memcpy(e->body, body, len);
    RN_ASSERT(proto_record_decode(&e->rec, kind, e->body, len, NULL) == 0);
    e->pool = record_pool(w, &e->rec);
    RN_ASSERT(e->pool >= 0);
    w->en++;
    w->st.entries++;
}

static void encode(world *w, const proto_record *r, mp_buf *b)
{
    mp_buf_init(b, RN_RECORD_BYTES_MAX);
    int rc = proto_record_encode(r, b);
    if (rc != 0) {
        rn_diag d = { 0 };
        char msg[160];
        int vrc = proto_record_validate(r, &d);
        die(w, "test bug: generated record does not encode (%s): %s", errname(vrc),
            rn_diag_format(&d, msg, sizeof(msg)));
    }
}

/* Appends `r` as local author a's next entry, and records it in the model as the replica dated
 * it. */
static void local_append(world *w, int a, const proto_record *r)
{
    mp_buf b;
    rn_diag d = { 0 };
    uint8_t id[PROTO_ID_BYTES];
    uint64_t seq = 0;
    alog *l = &w->log[a];
    uint64_t head_ts = l->n ? l->ts[l->n - 1] : 0;
    uint64_t t = w->now;

    if (chance(w, 6) && t > T0 + 3u * DAY_MS) /* an earlier time: the replica must clamp */
        t -= 1u + rnd(w) % (3u * DAY_MS);
    encode(w, r, &b);
    int rc = store_append(&w->s, w->auth[a].sk, r->kind, b.data, b.len, t, id, &seq, NULL, &d);
    CHECK(w, rc == 0, "store_append %s: %s", CC[a], errname(rc));
    CHECK(w, seq == l->n + 1, "store_append seq %llu, head was %llu", (unsigned long long)seq,
          (unsigned long long)l->n);

    /* Read back the timestamp the replica gave it. */
    store_read rd;
    proto_str bytes;
    proto_entry e;
    uint8_t id2[PROTO_ID_BYTES];
    CHECK(w, store_query_begin(&w->s, &rd) == 0, "store_query_begin");
    w->rd = &rd;
    CHECK(w, store_entry_get(&rd, w->auth[a].pk, seq, &bytes) == 0, "store_entry_get");
    CHECK(w, proto_entry_decode(&e, bytes.ptr, bytes.len, NULL) == 0, "appended entry decodes");
    proto_entry_id(bytes.ptr, bytes.len, id2);
    CHECK(w, memcmp(id, id2, PROTO_ID_BYTES) == 0, "store_append's id is its entry's id");
    uint64_t want_ts = t > head_ts ? t : head_ts;
    CHECK(w, e.timestamp_ms == want_ts, "store_append dated %llu, expected max(%llu, head %llu)",
          (unsigned long long)e.timestamp_ms, (unsigned long long)t, (unsigned long long)head_ts);
    CHECK(w, e.body_len == b.len && memcmp(e.body, b.data, b.len) == 0, "appended body kept");
    if (t < head_ts)
        w->st.clamps++;
    uint64_t ts = e.timestamp_ms;
    uint8_t *raw = malloc(bytes.len);
    RN_ASSERT(raw != NULL);
    memcpy(raw, bytes.ptr, bytes.len);
    w->rd = NULL;
    store_read_end(&rd);

    model_add(w, a, seq, ts, r->kind, b.data, b.len);
    log_push(l, id, ts, raw, bytes.len);
    mp_buf_free(&b);
}

/* Signs `r` as remote author a's next entry (after what it has signed already); it waits in the
 * author's pending list until an ingest. */
static void remote_sign(world *w, int a, const proto_record *r)
{
    alog *l = &w->log[a];
    mp_buf b;
    const uint8_t *prev = l->pend_n ? l->pend_id[l->pend_n - 1] : l->n ? l->id[l->n - 1] : NULL;
    uint64_t last_ts = l->pend_n ? l->pend_ts[l->pend_n - 1] : l->n ? l->ts[l->n - 1] : 0;
    uint64_t ts = w->now > last_ts ? w->now : last_ts;

    RN_ASSERT(l->pend_n < PENDING_MAX);
    encode(w, r, &b);
    proto_entry_draft dr = {
        .seq = l->n + l->pend_n + 1,
        .prev = prev,
        .timestamp_ms = ts,
        .kind = r->kind,
        .body = b.data,
        .body_len = b.len,
    };
    uint8_t *out = malloc(RN_ENTRY_BYTES_MAX);
    size_t len;
    RN_ASSERT(out != NULL);
    RN_ASSERT(proto_entry_sign(&dr, w->auth[a].sk, out, RN_ENTRY_BYTES_MAX, &len) == 0);
    l->pend_raw[l->pend_n] = out;
    l->pend_len[l->pend_n] = len;
    l->pend_ts[l->pend_n] = ts;
    proto_entry_id(out, len, l->pend_id[l->pend_n]);
    l->pend_n++;
    mp_buf_free(&b);
}

/* Ingests the first c pending entries of remote author a, after up to 3 entries already held
 * (duplicates), and records them in the model. */
static void remote_flush(world *w, int a, size_t c)
{
    alog *l = &w->log[a];
    proto_str run[3 + PENDING_MAX];
    size_t k = 0;
    uint64_t dmax = l->n < 3 ? l->n : 3;
    size_t dups = (size_t)rn(w, (uint32_t)dmax + 1u);
    store_ingest_result res;
    rn_diag d = { 0 };

    RN_ASSERT(c >= 1 && c <= l->pend_n);
    for (size_t i = 0; i < dups; i++) {
        size_t at = (size_t)l->n - dups + i;
        run[k++] = (proto_str){ l->raw[at], (uint32_t)l->raw_len[at] };
    }
    for (size_t i = 0; i < c; i++)
        run[k++] = (proto_str){ l->pend_raw[i], (uint32_t)l->pend_len[i] };
    memset(&res, 0, sizeof(res));
    int rc = store_ingest(&w->s, run, k, &res, &d);
    CHECK(w, rc == 0, "store_ingest %s: %s", CC[a], errname(rc));
    CHECK(w, res.accepted == c && res.duplicates == dups && !res.forked && res.head_seq == l->n + c,
          "ingest of %zu after %zu held: accepted %u duplicates %u forked %d head %llu", c, dups,
          res.accepted, res.duplicates, res.forked, (unsigned long long)res.head_seq);
    for (size_t i = 0; i < c; i++) {
        proto_entry e;
        RN_ASSERT(proto_entry_decode(&e, l->pend_raw[i], l->pend_len[i], NULL) == 0);
        model_add(w, a, e.seq, e.timestamp_ms, e.kind, e.body, e.body_len);
        log_push(l, l->pend_id[i], e.timestamp_ms, l->pend_raw[i], l->pend_len[i]);
    }
    memmove(&l->pend_raw[0], &l->pend_raw[c], (l->pend_n - c) * sizeof(l->pend_raw[0]));
    memmove(&l->pend_len[0], &l->pend_len[c], (l->pend_n - c) * sizeof(l->pend_len[0]));
    memmove(&l->pend_id[0], &l->pend_id[c], (l->pend_n - c) * sizeof(l->pend_id[0]));
    memmove(&l->pend_ts[0], &l->pend_ts[c], (l->pend_n - c) * sizeof(l->pend_ts[0]));
    l->pend_n -= c;
    w->st.ingests++;
}

/* ---- Random records ---- */

static void gen_title(world *w, proto_lang_text *t, uint32_t *n)
{
    uint32_t first = rn(w, 3);
    *n = 1u + (first < 2 && chance(w, 30));
    for (uint32_t i = 0; i < *n; i++) {
        t[i].lang = proto_str_c(LANGS[first + i]);
        t[i].text = proto_str_c(PICK(w, TITLES));
    }
}

/* The current version of record `id` of kind `kind` in the model, or NULL. */
static const ment *latest_now(const world *w, proto_kind kind, proto_str id)
{
    const ment *best = NULL;
    for (size_t i = 0; i < w->en; i++) {
        const ment *e = &w->e[i];
        if (e->rec.kind != kind || !proto_str_eq(proto_record_id(&e->rec), id))
            continue;
        if (best == NULL || e->ts > best->ts || (e->ts == best->ts && e->seq > best->seq))
            best = e;
    }
    return best;
}

static void gen_provider(world *w, int a, proto_record *r)
{
    memset(r, 0, sizeof(*r));
    r->kind = PROTO_KIND_PROVIDER;
    proto_provider *p = &r->u.provider;
    p->id = proto_str_c(w->prov_id[a * PROV_PER + (int)rn(w, PROV_PER)]);
    p->legal_name = proto_str_c(chance(w, 50) ? "University of Zed" : "Hogeschool Voorbeeld");
    p->country = proto_str_c(CC[a]);
    if (chance(w, 30))
        p->registration_number = proto_str_c("REG-0001");
    p->qa_status = 1u + rn(w, 3);
    if (p->qa_status == PROTO_QA_ACCREDITED || chance(w, 20))
        p->qa_body = proto_str_c("National QA agency");
    /* Most updates keep the keys of the provider's current version, often its status too. */
    const ment *cur = latest_now(w, PROTO_KIND_PROVIDER, p->id);
    bool keep = cur != NULL && chance(w, 70);
    if (keep) {
        p->issuer_keys_n = cur->rec.u.provider.issuer_keys_n;
        memcpy(p->issuer_keys, cur->rec.u.provider.issuer_keys, sizeof(p->issuer_keys));
    } else {
        bool used[N_IKEYS] = { false };
        p->issuer_keys_n = rn(w, 4);
        for (uint32_t k = 0; k < p->issuer_keys_n; k++) {
            uint32_t x;
            do
                x = rn(w, N_IKEYS - 1);
            while (used[x]);
            used[x] = true;
            p->issuer_keys[k].key = w->ikey[x];
            p->issuer_keys[k].valid_from_ms = chance(w, 5) ? 0 : rand_time(w);
            p->issuer_keys[k].valid_until_ms = rand_until(w, p->issuer_keys[k].valid_from_ms);
        }
    }
    uint32_t s = rn(w, 100);
    if (keep && chance(w, 50))
        p->status = cur->rec.u.provider.status;
    else
        p->status = s < 70   ? PROTO_PROVIDER_ACTIVE
                    : s < 85 ? PROTO_PROVIDER_SUSPENDED
                             : PROTO_PROVIDER_WITHDRAWN;
    if (chance(w, 20))
        p->url = proto_str_c("https://example.eu/provider");
}

static void gen_spec(world *w, int a, proto_record *r)
{
    memset(r, 0, sizeof(*r));
    r->kind = PROTO_KIND_SPEC;
    proto_spec *s = &r->u.spec;
    s->id = proto_str_c(w->spec_id[a * SPEC_PER + (int)rn(w, SPEC_PER)]);
    s->provider = proto_str_c(chance(w, 3) ? w->prov_phantom[a]
                                           : w->prov_id[a * PROV_PER + (int)rn(w, PROV_PER)]);
    gen_title(w, s->title, &s->title_n);
    s->outcomes_n = 1;
    s->outcomes[0].text = proto_str_c("Designs and tests a small data pipeline.");
    s->ects_centi = chance(w, 20) ? 1u + rn(w, RN_ECTS_CENTI_MAX) : PICK(w, ECTS);
    s->eqf = chance(w, 25) ? 0 : 1u + rn(w, 8);
    s->isced = proto_str_c(PICK(w, SPEC_ISCED));
    s->assessment = 1u + rn(w, 4);
    s->participation = 1u + rn(w, 5);
    s->qa_type = 1u + rn(w, 2);
    s->languages_n = 1;
    s->languages[0] = proto_str_c("en");
    s->supervision = 1u + rn(w, 4);
    s->stackability = 1u + rn(w, 2);
    s->valid_from_ms = chance(w, 5) ? 0 : rand_time(w);
    s->valid_until_ms = rand_until(w, s->valid_from_ms);
    s->status = chance(w, 80) ? PROTO_STATUS_ACTIVE : PROTO_STATUS_WITHDRAWN;
}

/* A spec id for a decision or a pathway: any country's, sometimes one never published. */
static const char *any_spec_id(world *w)
{
    static const char *const phantom[] = { "IE:mc/99", "ES:mc/1", "FR:mc/1b" };
    if (chance(w, 8))
        return PICK(w, phantom);
    return w->spec_id[rn(w, N_SPEC)];
}

static void gen_decision(world *w, int a, proto_record *r)
{
    static const char *const notes[] = { "Fewer contact hours.", "Different level.",
                                         "Quality assurance unclear.", "Other profile.",
                                         "Outcomes differ." };
    memset(r, 0, sizeof(*r));
    r->kind = PROTO_KIND_DECISION;
    proto_decision *d = &r->u.decision;
    int own = a * DEC_PER + (int)rn(w, DEC_PER);
    d->id = proto_str_c(w->dec_id[own]);
    d->spec = proto_str_c(any_spec_id(w));
    if (chance(w, 30)) {
        /* About the spec of the author's last decision, so that several of its decisions, often
         * at one timestamp, compete for one answer. */
        for (size_t i = w->en; i > 0; i--) {
            const ment *e = &w->e[i - 1];
            if (e->author == a && e->rec.kind == PROTO_KIND_DECISION) {
                d->spec = e->rec.u.decision.spec;
                break;
            }
        }
    }
    d->purpose = 1u + rn(w, 3);
    d->outcome = 1u + rn(w, 4);
    if (d->outcome != PROTO_OUTCOME_DENIED) {
        d->has_ects = chance(w, 50);
        d->ects_centi = d->has_ects ? rn(w, 600) : 0;
        d->eqf = chance(w, 50) ? 1u + rn(w, 8) : 0;
    } else if (chance(w, 30)) {
        d->has_ects = true; /* 0 is a present value, and a denial may say it */
    }
    if (d->outcome == PROTO_OUTCOME_PARTIAL || d->outcome == PROTO_OUTCOME_DENIED ||
        chance(w, 15)) {
        d->differences_n = 1u + rn(w, 2);
        uint32_t t0 = rn(w, 5);
        for (uint32_t i = 0; i < d->differences_n; i++) {
            d->differences[i].type = 1u + (t0 + i) % 5u;
            d->differences[i].note = proto_str_c(notes[(t0 + i) % 5u]);
        }
    }
    if (d->outcome == PROTO_OUTCOME_CONDITIONAL || chance(w, 10))
        d->conditions = proto_str_c("A bridging module in safety.");
    if (chance(w, 10))
        d->appeal = proto_str_c("Appeal within 30 days.");
    d->valid_from_ms = chance(w, 5) ? 0 : rand_time(w);
    d->valid_until_ms = rand_until(w, d->valid_from_ms);
    if (chance(w, 30)) {
        if (chance(w, 15)) {
            d->supersedes = proto_str_c(w->dec_phantom[a]);
        } else {
            int o = a * DEC_PER + (int)rn(w, DEC_PER);
            if (o != own)
                d->supersedes = proto_str_c(w->dec_id[o]);
        }
    }
}

static const char *const ISSUER_CC[] = { "IE", "FR", "NL", "DE", "PL", "GR", "ES" };

static void gen_countries(world *w, proto_str *out, uint32_t *n)
{
    *n = chance(w, 50) ? 0 : 1u + rn(w, 3);
    uint32_t first = rn(w, 7);
    for (uint32_t i = 0; i < *n; i++)
        out[i] = proto_str_c(ISSUER_CC[(first + i * 2u) % 7u]);
}

static void gen_prefixes(world *w, proto_str *out, uint32_t *n)
{
    const uint32_t np = (uint32_t)(sizeof(PREFIX_ISCED) / sizeof(PREFIX_ISCED[0]));
    *n = chance(w, 45) ? 0 : 1u + rn(w, 2);
    uint32_t first = rn(w, np);
    for (uint32_t i = 0; i < *n; i++)
        out[i] = proto_str_c(PREFIX_ISCED[(first + i * 3u) % np]);
}

static void gen_eqf_range(world *w, uint32_t *lo, uint32_t *hi)
{
    *lo = chance(w, 50) ? 0 : 1u + rn(w, 8);
    *hi = chance(w, 50) ? 0 : 1u + rn(w, 8);
    if (*lo && *hi && *lo > *hi) {
        uint32_t t = *lo;
        *lo = *hi;
        *hi = t;
    }
}

static void gen_policy(world *w, int a, proto_record *r)
{
    memset(r, 0, sizeof(*r));
    r->kind = PROTO_KIND_POLICY;
    proto_policy *p = &r->u.policy;
    p->id = proto_str_c(w->pol_id[a * POL_PER + (int)rn(w, POL_PER)]);
    p->purpose = 1u + rn(w, 3);
    p->outcome = 1u + rn(w, 4);
    gen_countries(w, p->issuer_countries, &p->issuer_countries_n);
    gen_eqf_range(w, &p->eqf_min, &p->eqf_max);
    p->ects_min_centi = chance(w, 50) ? 0 : PICK(w, ECTS);
    p->external_qa = chance(w, 40);
    gen_prefixes(w, p->isced_prefixes, &p->isced_prefixes_n);
    if (p->outcome == PROTO_OUTCOME_CONDITIONAL)
        p->conditions = proto_str_c("An interview with the panel.");
    p->valid_from_ms = chance(w, 5) ? 0 : rand_time(w);
    p->valid_until_ms = rand_until(w, p->valid_from_ms);
    p->status = chance(w, 80) ? PROTO_STATUS_ACTIVE : PROTO_STATUS_WITHDRAWN;
}

static void gen_pathway(world *w, int a, proto_record *r)
{
    static const uint32_t mins[] = { 100, 300, 500, 1000, 2000, 36000 };
    memset(r, 0, sizeof(*r));
    r->kind = PROTO_KIND_PATHWAY;
    proto_pathway *p = &r->u.pathway;
    p->id = proto_str_c(w->pw_id[a * PW_PER + (int)rn(w, PW_PER)]);
    gen_title(w, p->title, &p->title_n);
    p->eqf = 1u + rn(w, 8);
    p->ects_min_centi = PICK(w, mins);
    uint32_t want_m = rn(w, 4), want_e = rn(w, 4);
    for (uint32_t i = 0; i < want_m + want_e; i++) {
        proto_str s = proto_str_c(any_spec_id(w));
        if (in_list(p->mandatory, p->mandatory_n, s) || in_list(p->eligible, p->eligible_n, s))
            continue;
        if (i < want_m)
            p->mandatory[p->mandatory_n++] = s;
        else
            p->eligible[p->eligible_n++] = s;
    }
    if (chance(w, 60) || (p->mandatory_n == 0 && p->eligible_n == 0)) {
        proto_pathway_rule *ru = &p->rule;
        gen_eqf_range(w, &ru->eqf_min, &ru->eqf_max);
        gen_prefixes(w, ru->isced_prefixes, &ru->isced_prefixes_n);
        gen_countries(w, ru->issuer_countries, &ru->issuer_countries_n);
        ru->ects_min_centi = chance(w, 50) ? 0 : PICK(w, ECTS);
        if (!ru->eqf_min && !ru->eqf_max && !ru->isced_prefixes_n && !ru->issuer_countries_n &&
            !ru->ects_min_centi)
            ru->ects_min_centi = 200;
    }
    p->valid_from_ms = chance(w, 5) ? 0 : rand_time(w);
    p->valid_until_ms = rand_until(w, p->valid_from_ms);
    p->status = chance(w, 85) ? PROTO_STATUS_ACTIVE : PROTO_STATUS_WITHDRAWN;
}

static void gen_revocation(world *w, int a, proto_record *r)
{
    memset(r, 0, sizeof(*r));
    r->kind = PROTO_KIND_REVOCATION;
    proto_revocation *v = &r->u.revocation;
    v->credential = w->cred[rn(w, N_CRED)];
    v->provider = proto_str_c(w->prov_id[a * PROV_PER + (int)rn(w, PROV_PER)]);
    v->reason = 1u + rn(w, 4);
    v->revoked_at_ms = rand_time(w);
}

/* ---- Operations ---- */

static void put_record(world *w, int a, const proto_record *r)
{
    if (a < N_LOCAL) {
        local_append(w, a, r);
        return;
    }
    remote_sign(w, a, r);
    if (w->log[a].pend_n == PENDING_MAX)
        remote_flush(w, a, w->log[a].pend_n);
}

/* A fork: remote author a signs a second entry at a seq the replica holds, sent after some of
 * the entries before it (duplicates) and sometimes with an entry chained on it. */
static void op_fork(world *w, int a)
{
    alog *l = &w->log[a];
    if (l->n == 0 || l->fork_n == FORKS_MAX)
        return;
    uint64_t k = 1u + rnd(w) % l->n;
    proto_record r;
    gen_revocation(w, a, &r);
    mp_buf b;
    encode(w, &r, &b);
    uint64_t prev_ts = k > 1 ? l->ts[k - 2] : l->ts[0];
    proto_entry_draft dr = {
        .seq = k,
        .prev = k > 1 ? l->id[k - 2] : NULL,
        .timestamp_ms = prev_ts + rn(w, 1000),
        .kind = r.kind,
        .body = b.data,
        .body_len = b.len,
    };
    uint8_t *fork = malloc(RN_ENTRY_BYTES_MAX), child[RN_ENTRY_BYTES_MAX / 16];
    size_t flen, clen = 0;
    RN_ASSERT(fork != NULL);
    RN_ASSERT(proto_entry_sign(&dr, w->auth[a].sk, fork, RN_ENTRY_BYTES_MAX, &flen) == 0);
    if (flen == l->raw_len[k - 1] && memcmp(fork, l->raw[k - 1], flen) == 0) {
        free(fork); /* the same entry by chance: not a fork */
        mp_buf_free(&b);
        return;
    }
    bool with_child = chance(w, 40);
    if (with_child) {
        uint8_t fid[PROTO_ID_BYTES];
        proto_entry_id(fork, flen, fid);
        proto_entry_draft dc = dr;
        dc.seq = k + 1;
        dc.prev = fid;
        RN_ASSERT(proto_entry_sign(&dc, w->auth[a].sk, child, sizeof(child), &clen) == 0);
    }
    mp_buf_free(&b);

    proto_str run[8];
    size_t n = 0;
    uint64_t dmax = k - 1 < 3 ? k - 1 : 3;
    size_t dups = (size_t)rn(w, (uint32_t)dmax + 1u);
    for (size_t i = 0; i < dups; i++) {
        size_t at = (size_t)(k - 1) - dups + i;
        run[n++] = (proto_str){ l->raw[at], (uint32_t)l->raw_len[at] };
    }
    run[n++] = (proto_str){ fork, (uint32_t)flen };
    if (with_child)
        run[n++] = (proto_str){ child, (uint32_t)clen };
    store_ingest_result res;
    rn_diag d = { 0 };
    memset(&res, 0, sizeof(res));
    int rc = store_ingest(&w->s, run, n, &res, &d);
    CHECK(w, rc == 0, "fork ingest %s at seq %llu: %s", CC[a], (unsigned long long)k, errname(rc));
    CHECK(w,
          res.forked && res.fork_seq == k && res.accepted == 0 && res.duplicates == dups &&
              res.head_seq == l->n,
          "fork at %llu after %zu dups: forked %d fork_seq %llu accepted %u duplicates %u head "
          "%llu (held %llu)",
          (unsigned long long)k, dups, res.forked, (unsigned long long)res.fork_seq, res.accepted,
          res.duplicates, (unsigned long long)res.head_seq, (unsigned long long)l->n);
    l->forked = true;
    l->fork_seq[l->fork_n] = k;
    l->fork_raw[l->fork_n] = fork;
    l->fork_len[l->fork_n] = flen;
    l->fork_n++;
    w->st.forks++;
}

static void bad_spec_body(world *w, int a, mp_buf *b);

/* Runs that must change nothing: entries already held (duplicates only), a run with a gap, a run
 * whose signature fails, and a record under another country's prefix. */
static void op_refusals(world *w)
{
    int a = N_LOCAL + (int)rn(w, N_AUTH - N_LOCAL);
    alog *l = &w->log[a];
    if (l->n > 0) {
        uint64_t from = 1u + rnd(w) % l->n, k = 1u + rnd(w) % (l->n - from + 1u);
        proto_str run[8];
        k = k > 8 ? 8 : k;
        for (uint64_t i = 0; i < k; i++)
            run[i] = (proto_str){ l->raw[from - 1 + i], (uint32_t)l->raw_len[from - 1 + i] };
        store_ingest_result res;
        rn_diag d = { 0 };
        int rc = store_ingest(&w->s, run, (size_t)k, &res, &d);
        CHECK(w,
              rc == 0 && res.accepted == 0 && res.duplicates == k && !res.forked &&
                  res.head_seq == l->n,
              "re-ingest of %s %llu..+%llu: %s accepted %u duplicates %u forked %d head %llu",
              CC[a], (unsigned long long)from, (unsigned long long)k, errname(rc), res.accepted,
              res.duplicates, res.forked, (unsigned long long)res.head_seq);
    }
    if (l->n > 0 && l->ts[l->n - 1] > T0) {
        /* The next entry, dated before the head. */
        proto_record r;
        gen_revocation(w, a, &r);
        mp_buf m;
        encode(w, &r, &m);
        proto_entry_draft dr = { .seq = l->n + 1,
                                 .prev = l->id[l->n - 1],
                                 .timestamp_ms = l->ts[l->n - 1] - 1u - rn(w, 1000),
                                 .kind = r.kind,
                                 .body = m.data,
                                 .body_len = m.len };
        uint8_t *early = malloc(RN_ENTRY_BYTES_MAX);
        size_t len;
        RN_ASSERT(early != NULL);
        RN_ASSERT(proto_entry_sign(&dr, w->auth[a].sk, early, RN_ENTRY_BYTES_MAX, &len) == 0);
        proto_str run[1] = { { early, (uint32_t)len } };
        store_ingest_result res;
        rn_diag d = { 0 };
        int rc = store_ingest(&w->s, run, 1, &res, &d);
        CHECK(w, rc == RN_ETIME, "ingest of %s's next entry dated before its head: %s", CC[a],
              errname(rc));
        free(early);
        mp_buf_free(&m);
    }
    if (l->pend_n >= 1) {
        size_t k = 1u + rn(w, (uint32_t)l->pend_n);
        uint8_t *bad = malloc(l->pend_len[k - 1]);
        RN_ASSERT(bad != NULL);
        memcpy(bad, l->pend_raw[k - 1], l->pend_len[k - 1]);
        bad[l->pend_len[k - 1] - 1 - rn(w, 64)] ^= 0x01; /* inside the signature */
        proto_str run[PENDING_MAX];
        for (size_t i = 0; i < k; i++)
            run[i] = (proto_str){ l->pend_raw[i], (uint32_t)l->pend_len[i] };
        run[k - 1] = (proto_str){ bad, (uint32_t)l->pend_len[k - 1] };
        store_ingest_result res;
        rn_diag d = { 0 };
        int rc = store_ingest(&w->s, run, k, &res, &d);
        CHECK(w, rc == RN_ESIG, "ingest of %zu entries of %s with a bad signature: %s", k, CC[a],
              errname(rc));
        free(bad);
    }
    if (l->pend_n >= 2) {
        size_t from = 1u + rn(w, (uint32_t)l->pend_n - 1u);
        proto_str run[PENDING_MAX];
        for (size_t i = from; i < l->pend_n; i++)
            run[i - from] = (proto_str){ l->pend_raw[i], (uint32_t)l->pend_len[i] };
        store_ingest_result res;
        rn_diag d = { 0 };
        int rc = store_ingest(&w->s, run, l->pend_n - from, &res, &d);
        CHECK(w, rc == RN_EGAP && res.head_seq == l->n,
              "gap ingest of %s from seq %llu: %s, head %llu (held %llu)", CC[a],
              (unsigned long long)(l->n + from + 1), errname(rc), (unsigned long long)res.head_seq,
              (unsigned long long)l->n);
    }
    int b = (int)rn(w, N_LOCAL);
    proto_record r;
    gen_spec(w, (b + 1) % N_AUTH, &r); /* another country's ids */
    mp_buf m;
    encode(w, &r, &m);
    rn_diag d = { 0 };
    int rc =
        store_append(&w->s, w->auth[b].sk, r.kind, m.data, m.len, w->now, NULL, NULL, NULL, &d);
    CHECK(w, rc == RN_EPREFIX, "store_append of another country's spec by %s: %s", CC[b],
          errname(rc));
    mp_buf_free(&m);
    bad_spec_body(w, b, &m);
    rc = store_append(&w->s, w->auth[b].sk, PROTO_KIND_SPEC, m.data, m.len, w->now, NULL, NULL,
                      NULL, &d);
    CHECK(w, rc == RN_EMISSING, "store_append of a spec without its fields by %s: %s", CC[b],
          errname(rc));
    mp_buf_free(&m);
}

/* A body that is one canonical map but not a valid spec: only an id (RN_EMISSING). */
static void bad_spec_body(world *w, int a, mp_buf *b)
{
    mp_buf_init(b, RN_RECORD_BYTES_MAX);
    mp_put_map(b, 1);
    mp_put_uint(b, 1);
    mp_put_cstr(b, w->spec_id[a * SPEC_PER]);
    RN_ASSERT(mp_buf_err(b) == 0);
}

/* A run of remote author a whose last entry is signed and linked but carries a bad record (another
 * country's prefix, or a spec missing its fields): the entries before it commit (store.h), the
 * bad one does not, and the error names its position. */
static void op_bad_tail(world *w, int a)
{
    alog *l = &w->log[a];
    proto_record r;
    mp_buf b;
    bool prefix = chance(w, 50);
    if (prefix) {
        gen_spec(w, (a + 1) % N_AUTH, &r);
        encode(w, &r, &b);
    } else {
        bad_spec_body(w, a, &b);
    }
    const uint8_t *prev = l->pend_n ? l->pend_id[l->pend_n - 1] : l->n ? l->id[l->n - 1] : NULL;
    uint64_t last_ts = l->pend_n ? l->pend_ts[l->pend_n - 1] : l->n ? l->ts[l->n - 1] : 0;
    proto_entry_draft dr = {
        .seq = l->n + l->pend_n + 1,
        .prev = prev,
        .timestamp_ms = w->now > last_ts ? w->now : last_ts,
        .kind = PROTO_KIND_SPEC,
        .body = b.data,
        .body_len = b.len,
    };
    uint8_t *bad = malloc(RN_ENTRY_BYTES_MAX);
    size_t len;
    RN_ASSERT(bad != NULL);
    RN_ASSERT(proto_entry_sign(&dr, w->auth[a].sk, bad, RN_ENTRY_BYTES_MAX, &len) == 0);
    mp_buf_free(&b);

    proto_str run[PENDING_MAX + 1];
    size_t c = l->pend_n;
    for (size_t i = 0; i < c; i++)
        run[i] = (proto_str){ l->pend_raw[i], (uint32_t)l->pend_len[i] };
    run[c] = (proto_str){ bad, (uint32_t)len };
    store_ingest_result res;
    rn_diag d = { 0 };
    int rc = store_ingest(&w->s, run, c + 1, &res, &d);
    int want = prefix ? RN_EPREFIX : RN_EMISSING;
    CHECK(w, rc == want && d.index == c + 1 && res.head_seq == l->n + c,
          "run of %zu good entries of %s and a bad one: %s (expected %s), index %u, head %llu "
          "(held %llu)",
          c, CC[a], errname(rc), errname(want), d.index, (unsigned long long)res.head_seq,
          (unsigned long long)l->n);
    free(bad);
    /* The good entries are in: the model takes them as a flush would. */
    for (size_t i = 0; i < c; i++) {
        proto_entry e;
        RN_ASSERT(proto_entry_decode(&e, l->pend_raw[i], l->pend_len[i], NULL) == 0);
        model_add(w, a, e.seq, e.timestamp_ms, e.kind, e.body, e.body_len);
        log_push(l, l->pend_id[i], e.timestamp_ms, l->pend_raw[i], l->pend_len[i]);
    }
    l->pend_n = 0;
    if (c > 0)
        w->st.ingests++;
}

/* Closes and reopens the replica: the roster, the logs and the indexes are as they were, and an
 * index pass left pending resumes. */
static void op_reopen(world *w)
{
    store_close(&w->s);
    w->open = false;
    int rc = store_open(&w->s, w->dir, NULL);
    CHECK(w, rc == 0, "store_open again: %s", errname(rc));
    w->open = true;
    CHECK(w, w->s.roster.count == N_AUTH + 1, "the roster after reopening has %zu members",
          w->s.roster.count);
}

static void do_op(world *w)
{
    int a = (int)rn(w, N_AUTH);
    proto_record r;
    uint32_t x = rn(w, 100);

    if (w->op <= 120 && x < 70) /* a start: the registries fill with providers and specs */
        x = x < 25 ? 0 : 20;

    if (x < 13)
        gen_provider(w, a, &r);
    else if (x < 38)
        gen_spec(w, a, &r);
    else if (x < 62)
        gen_decision(w, a, &r);
    else if (x < 71)
        gen_policy(w, a, &r);
    else if (x < 78)
        gen_pathway(w, a, &r);
    else if (x < 86)
        gen_revocation(w, a, &r);
    else if (x < 96) {
        int ra = N_LOCAL + (int)rn(w, N_AUTH - N_LOCAL);
        if (w->log[ra].pend_n > 0)
            remote_flush(w, ra, 1u + rn(w, (uint32_t)w->log[ra].pend_n));
        return;
    } else if (x < 97) {
        op_fork(w, N_LOCAL + (int)rn(w, N_AUTH - N_LOCAL));
        return;
    } else if (x < 98) {
        op_refusals(w);
        return;
    } else if (x < 99) {
        op_bad_tail(w, N_LOCAL + (int)rn(w, N_AUTH - N_LOCAL));
        return;
    } else {
        if (chance(w, 50))
            op_reopen(w);
        else
            CHECK(w, store_index_flush(&w->s) == 0, "store_index_flush");
        return;
    }
    put_record(w, a, &r);
}

/* ---- Questions ---- */

/* A random entry of kind `kind` (a few tries), or NULL. */
static const ment *random_entry(world *w, proto_kind kind)
{
    for (int t = 0; t < 16 && w->en > 0; t++) {
        const ment *e = &w->e[rn(w, (uint32_t)w->en)];
        if (e->rec.kind == kind)
            return e;
    }
    return NULL;
}

/* A random version of record `id` of kind `kind` (provider, spec), or NULL. */
static const ment *random_version(world *w, proto_kind kind, proto_str id)
{
    size_t n = 0, pick = 0;
    for (int pass = 0; pass < 2; pass++) {
        size_t k = 0;
        for (size_t i = 0; i < w->en; i++) {
            const ment *e = &w->e[i];
            if (e->rec.kind != kind || !proto_str_eq(proto_record_id(&e->rec), id))
                continue;
            if (pass == 1 && k == pick)
                return e;
            k++;
        }
        n = k;
        if (n == 0)
            return NULL;
        pick = rn(w, (uint32_t)n);
    }
    return NULL;
}

/* A time to ask about: now, the far future, an entry's time, a record's validity boundary, a
 * random time, or the beginning of time. */
static uint64_t pick_at(world *w)
{
    uint32_t x = rn(w, 100);
    if (x < 14)
        return QUERY_AT_NOW;
    if (x < 20)
        return w->now;
    if (x < 45 && w->en > 0)
        return w->e[rn(w, (uint32_t)w->en)].ts + rn(w, 3) - 1u;
    if (x < 65 && w->en > 0) {
        const proto_record *r = &w->e[rn(w, (uint32_t)w->en)].rec;
        uint64_t t = 0;
        switch (r->kind) {
        case PROTO_KIND_SPEC:
            t = chance(w, 50) ? r->u.spec.valid_from_ms : r->u.spec.valid_until_ms;
            break;
        case PROTO_KIND_DECISION:
            t = chance(w, 50) ? r->u.decision.valid_from_ms : r->u.decision.valid_until_ms;
            break;
        case PROTO_KIND_POLICY:
            t = chance(w, 50) ? r->u.policy.valid_from_ms : r->u.policy.valid_until_ms;
            break;
        case PROTO_KIND_PATHWAY:
            t = chance(w, 50) ? r->u.pathway.valid_from_ms : r->u.pathway.valid_until_ms;
            break;
        case PROTO_KIND_REVOCATION:
            t = r->u.revocation.revoked_at_ms;
            break;
        default:
            t = w->now;
            break;
        }
        if (t == 0)
            t = w->now;
        return t + rn(w, 3) - 1u;
    }
    if (x < 94)
        return T0 - 5u * DAY_MS + rnd(w) % (w->now - T0 + 10u * DAY_MS);
    if (x < 96)
        return 0;
    if (x < 98)
        return RN_TIME_MS_MAX;
    return RN_TIME_MS_MAX + 1u + rn(w, 1000);
}

/* The valid time of a question: half the time its known time (every answer before valid times
 * existed), else another random time, before or after it (a bitemporal question). */
static uint64_t pick_valid(world *w, uint64_t at)
{
    return chance(w, 50) ? at : pick_at(w);
}

/* One of the moments where entry e's record changes meaning, give or take a millisecond: its
 * entry's time, the ends of its validity window, its revocation time, an issuer key's window. */
static uint64_t boundary_at(world *w, const ment *e)
{
    const proto_record *r = &e->rec;
    uint64_t t[4] = { e->ts, e->ts, e->ts, e->ts };
    switch (r->kind) {
    case PROTO_KIND_PROVIDER:
        if (r->u.provider.issuer_keys_n > 0) {
            const proto_issuer_key *k =
                &r->u.provider.issuer_keys[rn(w, r->u.provider.issuer_keys_n)];
            t[1] = k->valid_from_ms;
            t[2] = k->valid_until_ms;
        }
        break;
    case PROTO_KIND_SPEC:
        t[1] = r->u.spec.valid_from_ms;
        t[2] = t[3] = r->u.spec.valid_until_ms;
        break;
    case PROTO_KIND_DECISION:
        t[1] = r->u.decision.valid_from_ms;
        t[2] = t[3] = r->u.decision.valid_until_ms;
        break;
    case PROTO_KIND_POLICY:
        t[1] = r->u.policy.valid_from_ms;
        t[2] = t[3] = r->u.policy.valid_until_ms;
        break;
    case PROTO_KIND_PATHWAY:
        t[1] = r->u.pathway.valid_from_ms;
        t[2] = t[3] = r->u.pathway.valid_until_ms;
        break;
    case PROTO_KIND_REVOCATION:
        t[1] = t[2] = r->u.revocation.revoked_at_ms;
        break;
    default:
        break;
    }
    uint64_t x = t[rn(w, 4)];
    if (x == 0)
        x = e->ts;
    return x - 1u + rn(w, 3);
}

static const char *const BAD_IDS[] = { "", "IE", "ie:mc/1", "IE:mc 1", "XX:mc/1", "IE:" };

/* A malformed id: one of BAD_IDS, or an id one byte longer than RN_ID_BYTES_MAX. */
static const char *bad_id(world *w)
{
    if (chance(w, 20))
        return w->too_long_id;
    return BAD_IDS[rn(w, (uint32_t)(sizeof(BAD_IDS) / sizeof(BAD_IDS[0])))];
}

/* A spec id to ask about: mostly one of the pool, sometimes one never published. */
static const char *query_spec_id(world *w)
{
    static const char *const phantom[] = { "IE:mc/99", "ES:mc/1", "GR:mc/1", "IE:mc/1b" };
    if (chance(w, 6))
        return PICK(w, phantom);
    return w->spec_id[rn(w, N_SPEC)];
}

static const char *query_country(world *w)
{
    uint32_t x = rn(w, 100);
    if (x < 90)
        return CC[rn(w, N_AUTH)];
    if (x < 95)
        return "EL"; /* Greece, under its EU alias */
    return "ES";
}

/* Checks a bundle against the store's roster and the answer it goes with. */
static void check_bundle(world *w, const query_recognition *a, proto_str spec, const char *cc,
                         uint32_t purpose, uint64_t at, uint64_t valid, const uint8_t *credential,
                         bool revoked, const query_ref *revocation)
{
    proto_proof p;
    rn_diag d = { 0 };
    char msg[160];
    int rc = proto_proof_verify(w->proof.data, w->proof.len, &w->s.roster, &p, &d);
    if (rc != 0)
        die(w, "%s: bundle fails proto_proof_verify: %s (entry %u)", w->qdesc,
            rn_diag_format(&d, msg, sizeof(msg)), d.index);
    const proto_country *c = proto_country_find(cc, 2);
    CHECK(w, proto_str_eq(p.query.spec, spec), "%s: bundle's spec", w->qdesc);
    CHECK(w, memcmp(p.query.country.ptr, c->alpha2, 2) == 0, "%s: bundle's country", w->qdesc);
    CHECK(w, p.query.purpose == purpose, "%s: bundle's purpose", w->qdesc);
    CHECK(w, p.query.at_ms == norm_at(at), "%s: bundle's at %llu", w->qdesc,
          (unsigned long long)p.query.at_ms);
    CHECK(w,
          p.query.has_valid_at == (norm_at(valid) != norm_at(at)) &&
              proto_proof_valid_at(&p.query) == norm_at(valid),
          "%s: bundle's valid_at %d %llu", w->qdesc, p.query.has_valid_at,
          (unsigned long long)p.query.valid_at_ms);
    CHECK(w,
          p.answer.result == a->result && p.answer.outcome == a->outcome &&
              p.answer.forked == a->forked,
          "%s: bundle's answer %u/%u/%d", w->qdesc, p.answer.result, p.answer.outcome,
          p.answer.forked);
    if (a->result != PROTO_RESULT_NO_DECISION)
        CHECK(w,
              memcmp(p.answer.basis_author, a->basis.author, PROTO_KEY_BYTES) == 0 &&
                  p.answer.basis_seq == a->basis.seq,
              "%s: bundle's basis", w->qdesc);
    if (credential != NULL) {
        CHECK(w,
              p.query.credential != NULL &&
                  memcmp(p.query.credential, credential, PROTO_DIGEST_BYTES) == 0,
              "%s: bundle's credential", w->qdesc);
        CHECK(w, p.answer.has_revoked && p.answer.revoked == revoked, "%s: bundle's revoked %d",
              w->qdesc, p.answer.revoked);
    } else {
        CHECK(w, p.query.credential == NULL && !p.answer.has_revoked,
              "%s: bundle without a credential", w->qdesc);
    }
    uint32_t want = 2u + (a->result != PROTO_RESULT_NO_DECISION) + (revoked ? 1u : 0u);
    CHECK(w, p.entries_n == want, "%s: bundle of %u entries, expected %u", w->qdesc, p.entries_n,
          want);
    /* The entries are exactly those the answer names. */
    const query_ref *refs[4] = { &a->spec, &a->provider, NULL, NULL };
    if (a->result != PROTO_RESULT_NO_DECISION)
        refs[2] = &a->basis;
    if (revoked)
        refs[3] = revocation;
    for (uint32_t i = 0; i < p.entries_n; i++) {
        proto_entry e;
        RN_ASSERT(proto_entry_decode(&e, p.entries[i].ptr, p.entries[i].len, NULL) == 0);
        bool named = false;
        for (int k = 0; k < 4; k++)
            named = named || (refs[k] != NULL && refs[k]->seq == e.seq &&
                              refs[k]->timestamp_ms == e.timestamp_ms &&
                              memcmp(refs[k]->author, e.author, PROTO_KEY_BYTES) == 0);
        CHECK(w, named, "%s: bundle entry %u is not one the answer names", w->qdesc, i + 1);
    }
    w->st.proofs++;
}

static void q_recognise(world *w, store_read *rd)
{
    uint32_t bad = rn(w, 100);
    const char *spec = query_spec_id(w);
    const char *cc = query_country(w);
    uint32_t purpose = 1u + rn(w, 3);
    char spec_buf[QUERY_ID_CAP];
    const ment *d = chance(w, 50) ? random_entry(w, PROTO_KIND_DECISION) : NULL;
    if (d != NULL) { /* a question some decision answers, or nearly */
        copy_id(spec_buf, d->rec.u.decision.spec);
        spec = spec_buf;
        cc = CC[d->author];
        if (chance(w, 60))
            purpose = d->rec.u.decision.purpose;
    }
    uint64_t at = pick_at(w);
    uint32_t how = rn(w, 100);
    if (d != NULL && how < 35) { /* after the decision, often inside its window */
        uint64_t from =
            d->ts > d->rec.u.decision.valid_from_ms ? d->ts : d->rec.u.decision.valid_from_ms;
        at = from + rnd(w) % (20u * DAY_MS);
    } else if (how < 75) { /* at a boundary of the decision, a policy, the spec or its provider */
        const ment *e = NULL;
        uint32_t which = rn(w, 4);
        if (which == 0 && d != NULL) {
            e = latest_now(w, PROTO_KIND_DECISION, d->rec.u.decision.id);
        } else if (which == 1) {
            int a = author_of_country(cc);
            if (a >= 0)
                e = latest_now(w, PROTO_KIND_POLICY,
                               proto_str_c(w->pol_id[a * POL_PER + (int)rn(w, POL_PER)]));
        } else {
            e = latest_now(w, PROTO_KIND_SPEC, proto_str_c(spec));
            if (e != NULL && which == 3)
                e = latest_now(w, PROTO_KIND_PROVIDER, e->rec.u.spec.provider);
        }
        if (e != NULL)
            at = boundary_at(w, e);
    }
    if (bad < 2)
        spec = bad_id(w);
    else if (bad < 4)
        cc = chance(w, 50) ? "XX" : "ie";
    else if (bad < 5)
        purpose = chance(w, 50) ? 0 : 4;
    proto_str sid = proto_str_c(spec);
    uint64_t valid = pick_valid(w, at);
    snprintf(w->qdesc, sizeof(w->qdesc), "recognise(%s, %.2s, purpose %u, at %llu, valid %llu)",
             spec, cc, purpose, (unsigned long long)at, (unsigned long long)valid);

    query_recognition want, got;
    int mrc = m_recognise(w, sid, cc, purpose, at, valid, &want);
    bool with_proof = chance(w, 70);
    mp_buf_reset(&w->proof);
    int src = valid == at && chance(w, 50)
                  ? query_recognise(rd, sid, cc, purpose, at, &got, with_proof ? &w->proof : NULL)
                  : query_recognise_valid(rd, sid, cc, purpose, at, valid, &got,
                                          with_proof ? &w->proof : NULL);
    w->st.recognise++;
    char m[1024], s[1024];
    if (mrc != src || (mrc == 0 && !rec_eq(&want, &got))) {
        rec_fmt(w, mrc, &want, m, sizeof(m));
        rec_fmt(w, src, &got, s, sizeof(s));
        die(w, "%s\n  model: %s\n  store: %s", w->qdesc, m, s);
    }
    w->st.result[src == 0 ? got.result : 0]++;
    if (src != 0) {
        w->st.errors++;
        CHECK(w, w->proof.len == 0, "%s: a failed query left a bundle", w->qdesc);
        return;
    }
    if (with_proof)
        check_bundle(w, &got, sid, cc, purpose, at, valid, NULL, false, NULL);
}

static void q_verify(world *w, store_read *rd)
{
    uint32_t bad = rn(w, 100);
    const char *spec = query_spec_id(w);
    const char *cc = query_country(w);
    uint32_t purpose = 1u + rn(w, 3);
    uint64_t at = pick_at(w);
    const uint8_t *key = w->ikey[rn(w, N_IKEYS)];
    const uint8_t *cred = w->cred[rn(w, N_CRED + 1)];
    uint64_t issued = rand_time(w);

    char spec_buf[QUERY_ID_CAP];
    const ment *es = chance(w, 50) ? random_entry(w, PROTO_KIND_SPEC) : NULL;
    const ment *ep =
        es == NULL ? NULL : random_version(w, PROTO_KIND_PROVIDER, es->rec.u.spec.provider);
    if (es != NULL) { /* a spec's credential, often signed by one of its provider's keys */
        copy_id(spec_buf, es->rec.u.spec.id);
        spec = spec_buf;
    }
    if (es != NULL && chance(w, 50)) {
        /* A claim that ought to be valid: issued inside the spec's window, with a key of the
         * provider's version then, asked about a little later. */
        const proto_spec *sp = &es->rec.u.spec;
        uint64_t lo = sp->valid_from_ms > es->ts ? sp->valid_from_ms : es->ts;
        uint64_t hi = sp->valid_until_ms > lo ? sp->valid_until_ms : lo + 60u * DAY_MS;
        issued = lo + rnd(w) % (hi - lo);
        at = issued + rnd(w) % (30u * DAY_MS);
        uint64_t keys_at = issued;
        uint64_t first = es->ts; /* the spec's first entry */
        for (size_t i = 0; i < w->en; i++)
            if (w->e[i].rec.kind == PROTO_KIND_SPEC && w->e[i].pool == es->pool &&
                w->e[i].ts < first)
                first = w->e[i].ts;
        if (sp->valid_from_ms < first && chance(w, 50)) {
            /* Issued within the spec's dates but before its first entry (a history published
             * late), with a key the provider lists now, asked as known now. */
            issued = sp->valid_from_ms + rnd(w) % (first - sp->valid_from_ms);
            at = chance(w, 50) ? QUERY_AT_NOW : w->now;
            keys_at = QUERY_AT_NOW;
        }
        snap S;
        snap_take(w, keys_at, &S);
        int pi = pool_find(w->prov_id, N_PROV, sp->provider);
        if (pi >= 0 && S.prov[pi] >= 0) {
            const proto_provider *p = &w->e[S.prov[pi]].rec.u.provider;
            for (uint32_t k = 0; k < p->issuer_keys_n; k++)
                if (proto_valid_at(p->issuer_keys[k].valid_from_ms,
                                   p->issuer_keys[k].valid_until_ms, issued))
                    key = p->issuer_keys[k].key;
        }
    } else if (ep != NULL && ep->rec.u.provider.issuer_keys_n > 0 && chance(w, 85)) {
        const proto_issuer_key *ik =
            &ep->rec.u.provider.issuer_keys[rn(w, ep->rec.u.provider.issuer_keys_n)];
        uint64_t lo = ik->valid_from_ms > ep->ts ? ik->valid_from_ms : ep->ts;
        uint64_t hi = ik->valid_until_ms > lo ? ik->valid_until_ms : lo + 90u * DAY_MS;
        uint64_t until = ik->valid_until_ms ? ik->valid_until_ms : hi;
        key = ik->key;
        if (chance(w, 70))
            issued = lo + rnd(w) % (hi - lo);
        else
            issued = (chance(w, 50) ? ik->valid_from_ms : until) + rn(w, 3) - 1u;
        if (chance(w, 50)) /* asked after the issue date */
            at = issued + rnd(w) % (30u * DAY_MS);
    } else if (chance(w, 40) && w->en > 0) {
        /* An issue date at a boundary of an issuer key window or of a spec. */
        const ment *e = &w->e[rn(w, (uint32_t)w->en)];
        if (e->rec.kind == PROTO_KIND_PROVIDER && e->rec.u.provider.issuer_keys_n > 0) {
            const proto_issuer_key *ik =
                &e->rec.u.provider.issuer_keys[rn(w, e->rec.u.provider.issuer_keys_n)];
            key = ik->key;
            uint64_t t =
                chance(w, 50) || ik->valid_until_ms == 0 ? ik->valid_from_ms : ik->valid_until_ms;
            issued = t + rn(w, 3) - (t > 0 ? 1u : 0u);
        } else if (e->rec.kind == PROTO_KIND_SPEC && chance(w, 70)) {
            uint64_t t = e->rec.u.spec.valid_until_ms && chance(w, 50)
                             ? e->rec.u.spec.valid_until_ms
                             : e->rec.u.spec.valid_from_ms;
            issued = t + rn(w, 3) - (t > 0 ? 1u : 0u);
        } else if (chance(w, 50)) {
            issued = e->ts + rn(w, 3) - 1u;
        }
    }
    if (chance(w, 30)) { /* asked at a boundary of the revocation, the spec or its provider */
        const ment *e = latest_now(w, PROTO_KIND_SPEC, proto_str_c(spec));
        if (e != NULL && chance(w, 50)) {
            int pi = pool_find(w->prov_id, N_PROV, e->rec.u.spec.provider);
            const ment *rv = NULL;
            for (size_t i = 0; pi >= 0 && i < w->en; i++) {
                const ment *x = &w->e[i];
                if (x->rec.kind == PROTO_KIND_REVOCATION &&
                    memcmp(x->rec.u.revocation.credential, cred, PROTO_DIGEST_BYTES) == 0 &&
                    proto_str_eq(x->rec.u.revocation.provider, e->rec.u.spec.provider))
                    rv = x;
            }
            e = rv != NULL ? rv : latest_now(w, PROTO_KIND_PROVIDER, e->rec.u.spec.provider);
        }
        if (e != NULL)
            at = boundary_at(w, e);
    }
    if (bad < 2)
        key = NULL;
    else if (bad < 4)
        cred = NULL;
    else if (bad < 5)
        spec = bad_id(w);
    query_claim cl = {
        .spec_id = proto_str_c(spec), .issuer_key = key, .issued_at_ms = issued, .credential = cred
    };
    int key_i = -1, cred_i = -1;
    for (int k = 0; k < N_IKEYS; k++)
        if (key != NULL && memcmp(key, w->ikey[k], PROTO_KEY_BYTES) == 0)
            key_i = k;
    for (int k = 0; k <= N_CRED; k++)
        if (cred == w->cred[k])
            cred_i = k;
    uint64_t valid = pick_valid(w, at);
    snprintf(w->qdesc, sizeof(w->qdesc),
             "verify(%s, key %d, cred %d, issued %llu, %.2s, purpose %u, at %llu, valid %llu)",
             spec, key_i, cred_i, (unsigned long long)issued, cc, purpose, (unsigned long long)at,
             (unsigned long long)valid);

    query_verification want, got;
    int mrc = m_verify(w, &cl, cc, purpose, at, valid, &want);
    bool with_proof = chance(w, 70);
    mp_buf_reset(&w->proof);
    int src = valid == at && chance(w, 50)
                  ? query_verify(rd, &cl, cc, purpose, at, &got, with_proof ? &w->proof : NULL)
                  : query_verify_valid(rd, &cl, cc, purpose, at, valid, &got,
                                       with_proof ? &w->proof : NULL);
    w->st.verify++;
    char m[2048], s[2048];
    if (mrc != src || (mrc == 0 && !ver_eq(&want, &got))) {
        ver_fmt(w, mrc, &want, m, sizeof(m));
        ver_fmt(w, src, &got, s, sizeof(s));
        die(w, "%s\n  model: %s\n  store: %s", w->qdesc, m, s);
    }
    if (src != 0) {
        w->st.errors++;
        CHECK(w, w->proof.len == 0, "%s: a failed query left a bundle", w->qdesc);
        return;
    }
    w->st.v_valid += got.valid;
    w->st.v_retro_ok +=
        (got.spec_ok && got.spec_retroactive) || (got.issuer_ok && got.key_retroactive);
    w->st.v_spec_ok += got.spec_ok;
    w->st.v_issuer_ok += got.issuer_ok;
    w->st.v_revoked += got.revoked;
    if (with_proof)
        check_bundle(w, &got.recognition, cl.spec_id, cc, purpose, at, valid, cred, got.revoked,
                     &got.revocation);
}

static void q_search(world *w, store_read *rd)
{
    static const char *const afters[] = { "IE:mc/1", "IE:", "FR:mc/1z", "NL:mc/2", "\xff", "A" };
    static const char *const isceds[] = { "0", "06", "061", "0613", "04", "0416", "05", "9" };
    static const char *const countries[] = { "IE", "FR", "NL", "DE", "PL", "EL", "GR", "ES" };
    query_filter f;
    memset(&f, 0, sizeof(f));
    if (chance(w, 35))
        f.country = proto_str_c(PICK(w, countries));
    if (chance(w, 20)) {
        int a = (int)rn(w, N_AUTH);
        f.provider = proto_str_c(chance(w, 10) ? w->prov_phantom[a]
                                               : w->prov_id[a * PROV_PER + (int)rn(w, PROV_PER)]);
    }
    if (chance(w, 25))
        gen_eqf_range(w, &f.eqf_min, &f.eqf_max);
    if (chance(w, 25))
        f.isced = proto_str_c(PICK(w, isceds));
    if (chance(w, 20))
        f.ects_min_centi = PICK(w, ECTS);
    if (chance(w, 20))
        f.text = proto_str_c(PICK(w, TEXT_FILTERS));
    uint32_t limit = chance(w, 20) ? RN_SEARCH_RESULTS_MAX : 1u + rn(w, 7);
    proto_str after = { NULL, 0 };
    bool paging = chance(w, 60);
    if (!paging && chance(w, 60))
        after = proto_str_c(chance(w, 50) ? PICK(w, afters) : w->spec_id[rn(w, N_SPEC)]);

    static char long_str[RN_ID_BYTES_MAX + 2];
    memset(long_str, 'a', RN_ID_BYTES_MAX + 1);
    long_str[RN_ID_BYTES_MAX + 1] = '\0';
    uint32_t bad = rn(w, 100);
    if (bad < 1)
        limit = 0;
    else if (bad < 2)
        limit = RN_SEARCH_RESULTS_MAX + 1;
    else if (bad < 3)
        f.eqf_min = 9;
    else if (bad < 4) {
        f.eqf_min = 6;
        f.eqf_max = 5;
    } else if (bad < 5)
        f.country = proto_str_c(chance(w, 50) ? "XX" : "I");
    else if (bad < 6)
        after = proto_str_c(long_str);
    else if (bad < 7)
        f.isced = proto_str_c(long_str);
    else if (bad < 8)
        f.provider = proto_str_c(long_str);
    uint64_t at = pick_at(w);
    if (chance(w, 35)) { /* at a boundary of some spec's current version */
        const ment *e = latest_now(w, PROTO_KIND_SPEC, proto_str_c(w->spec_id[rn(w, N_SPEC)]));
        if (e != NULL)
            at = boundary_at(w, e);
    }
    uint64_t valid = pick_valid(w, at);

    query_hit *mh = calloc(RN_SEARCH_RESULTS_MAX, sizeof(*mh));
    query_hit *sh = calloc(RN_SEARCH_RESULTS_MAX, sizeof(*sh));
    RN_ASSERT(mh != NULL && sh != NULL);
    char after_buf[QUERY_ID_CAP + 8];
    for (unsigned page = 0;; page++) {
        snprintf(w->qdesc, sizeof(w->qdesc),
                 "search(country '%.*s' provider '%.*s' eqf %u-%u isced '%.*s' ects>=%u text "
                 "'%.*s', at %llu, valid %llu, after '%.*s', limit %u) page %u",
                 (int)f.country.len, f.country.ptr ? (const char *)f.country.ptr : "",
                 (int)(f.provider.len > 40 ? 40 : f.provider.len),
                 f.provider.ptr ? (const char *)f.provider.ptr : "", f.eqf_min, f.eqf_max,
                 (int)(f.isced.len > 40 ? 40 : f.isced.len),
                 f.isced.ptr ? (const char *)f.isced.ptr : "", f.ects_min_centi, (int)f.text.len,
                 f.text.ptr ? (const char *)f.text.ptr : "", (unsigned long long)at,
                 (unsigned long long)valid, (int)(after.len > 40 ? 40 : after.len),
                 after.ptr ? (const char *)after.ptr : "", limit, page);
        uint32_t mn = 0, sn = 0;
        bool mm = false, sm = false;
        int mrc = m_search(w, &f, at, valid, after, limit, mh, &mn, &mm);
        int src = valid == at && chance(w, 50)
                      ? query_search(rd, &f, at, after, limit, sh, &sn, &sm)
                      : query_search_valid(rd, &f, at, valid, after, limit, sh, &sn, &sm);
        w->st.search_pages++;
        bool same = mrc == src;
        if (same && mrc == 0) {
            same = mn == sn && mm == sm;
            for (uint32_t i = 0; same && i < mn; i++)
                same = strcmp(mh[i].spec_id, sh[i].spec_id) == 0 &&
                       ref_eq(&mh[i].entry, &sh[i].entry) &&
                       strcmp(mh[i].title, sh[i].title) == 0 &&
                       strcmp(mh[i].title_lang, sh[i].title_lang) == 0 &&
                       mh[i].ects_centi == sh[i].ects_centi && mh[i].eqf == sh[i].eqf &&
                       strcmp(mh[i].provider_id, sh[i].provider_id) == 0 &&
                       strcmp(mh[i].provider_name, sh[i].provider_name) == 0 &&
                       mh[i].provider_status == sh[i].provider_status;
        }
        if (!same) {
            char *m = malloc(16384), *s = malloc(16384);
            RN_ASSERT(m != NULL && s != NULL);
            hits_fmt(w, mrc, mh, mn, mm, m, 16384);
            hits_fmt(w, src, sh, sn, sm, s, 16384);
            die(w, "%s\n  model: %s\n  store: %s", w->qdesc, m, s);
        }
        if (src != 0) {
            w->st.errors++;
            break;
        }
        w->st.hits += sn;
        if (!paging || !sm || sn == 0)
            break;
        snprintf(after_buf, sizeof(after_buf), "%s", sh[sn - 1].spec_id);
        after = proto_str_c(after_buf);
    }
    w->st.search++;
    free(mh);
    free(sh);
}

static void q_stack(world *w, store_read *rd)
{
    static const char *const phantom_pw[] = { "IE:pw/9", "FR:pw/x" };
    static const char *const countries[] = { "IE", "FR", "NL", "DE", "PL", "EL", "GR", "ES" };
    const char *pw = chance(w, 8) ? PICK(w, phantom_pw) : w->pw_id[rn(w, N_PW)];
    char cc[3] = { pw[0], pw[1], 0 };
    if (memcmp(cc, "GR", 2) == 0 && chance(w, 50))
        memcpy(cc, "EL", 2);
    if (chance(w, 10))
        memcpy(cc, PICK(w, countries), 2);
    size_t n = rn(w, 8);
    proto_str ids[RN_STACK_SPECS_MAX + 1];
    /* Draw from a few specs so that duplicates occur. */
    int base = (int)rn(w, N_SPEC);
    for (size_t i = 0; i < n; i++)
        ids[i] = proto_str_c(chance(w, 70) ? w->spec_id[(base + (int)rn(w, 6)) % N_SPEC]
                                           : any_spec_id(w));
    /* Often the pathway's own lists, so that mandatory and eligible specs are given. */
    int pi = pool_find(w->pw_id, N_PW, proto_str_c(pw));
    if (pi >= 0 && chance(w, 50)) {
        snap S;
        snap_take(w, QUERY_AT_NOW, &S);
        if (S.pw[pi] >= 0) {
            const proto_pathway *p = &w->e[S.pw[pi]].rec.u.pathway;
            for (uint32_t i = 0; i < p->mandatory_n && n < 12; i++)
                if (chance(w, 70))
                    ids[n++] = p->mandatory[i];
            for (uint32_t i = 0; i < p->eligible_n && n < 14; i++)
                if (chance(w, 50))
                    ids[n++] = p->eligible[i];
        }
    }
    const proto_str *idp = ids;
    uint32_t bad = rn(w, 100);
    if (bad < 1) {
        for (size_t i = 0; i < RN_STACK_SPECS_MAX + 1; i++)
            ids[i] = proto_str_c(w->spec_id[i % N_SPEC]);
        n = RN_STACK_SPECS_MAX + 1;
    } else if (bad < 2 && n > 0) {
        idp = NULL;
    } else if (bad < 3) {
        memcpy(cc, chance(w, 50) ? "XX" : "ie", 2);
    } else if (bad < 4) {
        pw = bad_id(w);
    } else if (bad < 5 && n > 0) {
        ids[rn(w, (uint32_t)n)] = proto_str_c(bad_id(w));
    }
    uint64_t at = pick_at(w);
    if (chance(w, 35)) { /* at a boundary of the pathway, or of one of the specs or providers */
        const ment *e = latest_now(w, PROTO_KIND_PATHWAY, proto_str_c(pw));
        if (n > 0 && idp != NULL && chance(w, 50)) {
            e = latest_now(w, PROTO_KIND_SPEC, ids[rn(w, (uint32_t)n)]);
            if (e != NULL && chance(w, 40))
                e = latest_now(w, PROTO_KIND_PROVIDER, e->rec.u.spec.provider);
        }
        if (e != NULL)
            at = boundary_at(w, e);
    }
    uint64_t valid = pick_valid(w, at);
    snprintf(w->qdesc, sizeof(w->qdesc), "stack(%s, %s, %zu specs%s, at %llu, valid %llu)", cc, pw,
             n, idp == NULL ? " NULL" : "", (unsigned long long)at, (unsigned long long)valid);

    query_stack_result *want = calloc(1, sizeof(*want)), *got = calloc(1, sizeof(*got));
    RN_ASSERT(want != NULL && got != NULL);
    bool either = false;
    int mrc = m_stack(w, cc, proto_str_c(pw), idp, n, at, valid, want, &either);
    int src = valid == at && chance(w, 50)
                  ? query_stack(rd, cc, proto_str_c(pw), idp, n, at, got)
                  : query_stack_valid(rd, cc, proto_str_c(pw), idp, n, at, valid, got);
    w->st.stack++;
    bool same = mrc == src || (either && src == RN_EPREFIX);
    if (same && mrc == 0)
        same = stack_eq(want, got);
    if (!same) {
        char *m = malloc(8192), *s = malloc(8192);
        RN_ASSERT(m != NULL && s != NULL);
        stack_fmt(w, mrc, want, m, 8192);
        stack_fmt(w, src, got, s, 8192);
        die(w, "%s\n  model: %s\n  store: %s", w->qdesc, m, s);
    }
    if (src != 0)
        w->st.errors++;
    for (uint32_t i = 0; src == 0 && i < got->items_n; i++)
        w->st.stack_status[got->items[i].status]++; /* 1 .. QUERY_STACK_STATUS_MAX */
    w->st.stack_complete += src == 0 && got->complete;
    free(want);
    free(got);
}

static void do_query(world *w, store_read *rd)
{
    uint32_t x = rn(w, 100);
    if (x < 45)
        q_recognise(w, rd);
    else if (x < 65)
        q_search(w, rd);
    else if (x < 85)
        q_verify(w, rd);
    else
        q_stack(w, rd);
}

/* n questions in one read transaction (one snapshot, as the node asks them). */
static void do_queries(world *w, unsigned n)
{
    store_read rd;
    if (n == 0)
        return;
    CHECK(w, store_query_begin(&w->s, &rd) == 0, "store_query_begin");
    w->rd = &rd;
    for (unsigned i = 0; i < n; i++)
        do_query(w, &rd);
    w->rd = NULL;
    store_read_end(&rd);
}

/* ---- Logs: heads, forks, ids, store_check ---- */

typedef struct range_ctx {
    world *w;
    int a;
    uint64_t next; /* the seq expected next */
} range_ctx;

static int range_cb(void *ctx, uint64_t seq, const uint8_t *bytes, size_t len)
{
    range_ctx *c = ctx;
    const alog *l = &c->w->log[c->a];
    CHECK(c->w,
          seq == c->next && seq <= l->n && len == l->raw_len[seq - 1] &&
              memcmp(bytes, l->raw[seq - 1], len) == 0,
          "store_entries_range %s gave seq %llu, expected %llu", CC[c->a], (unsigned long long)seq,
          (unsigned long long)c->next);
    c->next++;
    return 0;
}

/* store_entries_range from a random seq, with random count and byte limits, against the log. */
static void range_check(world *w, store_read *rd, int a)
{
    const alog *l = &w->log[a];
    uint64_t from = 1u + rnd(w) % (l->n + 2u);
    size_t max_n = 1u + rn(w, 12);
    size_t max_bytes = chance(w, 30) ? rn(w, 400) : 400u + rn(w, 4000);
    size_t want = 0, total = 0;
    for (uint64_t s = from; s <= l->n && want < max_n; s++) {
        if (want > 0 && total + l->raw_len[s - 1] > max_bytes)
            break;
        total += l->raw_len[s - 1];
        want++;
    }
    range_ctx c = { w, a, from };
    size_t got = 0;
    int rc = store_entries_range(rd, w->auth[a].pk, from, max_n, max_bytes, range_cb, &c, &got);
    CHECK(w, rc == 0 && got == want,
          "store_entries_range %s from %llu, at most %zu entries and %zu bytes: %s, %zu "
          "entries, expected %zu",
          CC[a], (unsigned long long)from, max_n, max_bytes, errname(rc), got, want);
}

static void check_logs(world *w)
{
    store_read rd;
    store_head h[N_AUTH + 2];
    size_t n = 0, want_n = 0;

    CHECK(w, store_query_begin(&w->s, &rd) == 0, "store_query_begin");
    w->rd = &rd;
    CHECK(w, store_heads(&rd, h, N_AUTH + 2, &n) == 0, "store_heads");
    for (int a = 0; a < N_AUTH; a++)
        want_n += w->log[a].n > 0;
    CHECK(w, n == want_n, "store_heads gives %zu authors, the model %zu", n, want_n);
    for (size_t i = 0; i < n; i++) {
        int a = author_of_key(w, h[i].author);
        CHECK(w, a >= 0, "a head of an unknown author");
        CHECK(w, i == 0 || memcmp(h[i - 1].author, h[i].author, PROTO_KEY_BYTES) < 0,
              "store_heads not in key order at %zu", i);
        const alog *l = &w->log[a];
        CHECK(w, l->n > 0 && h[i].seq == l->n, "%s head seq %llu, model %llu", CC[a],
              (unsigned long long)h[i].seq, (unsigned long long)l->n);
        CHECK(w, memcmp(h[i].id, l->id[l->n - 1], PROTO_ID_BYTES) == 0, "%s head id", CC[a]);
        CHECK(w, h[i].timestamp_ms == l->ts[l->n - 1], "%s head ts %llu, model %llu", CC[a],
              (unsigned long long)h[i].timestamp_ms, (unsigned long long)l->ts[l->n - 1]);
        CHECK(w, ((h[i].flags & STORE_HEAD_FORKED) != 0) == l->forked, "%s forked flag %u", CC[a],
              h[i].flags);
        CHECK(w, h[i].indexed_seq == h[i].seq, "%s indexed to %llu of %llu after read_begin", CC[a],
              (unsigned long long)h[i].indexed_seq, (unsigned long long)h[i].seq);
        store_head one;
        CHECK(w,
              store_head_get(&rd, h[i].author, &one) == 0 && one.seq == h[i].seq &&
                  one.flags == h[i].flags,
              "store_head_get %s", CC[a]);
    }
    for (int a = 0; a < N_AUTH; a++) {
        const alog *l = &w->log[a];
        uint64_t fseq;
        proto_str fa, fb;
        int rc = store_fork_get(&rd, w->auth[a].pk, &fseq, &fa, &fb);
        if (!l->forked) {
            CHECK(w, rc == RN_ENOTFOUND, "store_fork_get %s unforked: %s", CC[a], errname(rc));
            continue;
        }
        CHECK(w, rc == 0, "store_fork_get %s: %s", CC[a], errname(rc));
        bool ok = false;
        for (size_t k = 0; k < l->fork_n; k++)
            ok = ok || (l->fork_seq[k] == fseq && fb.len == l->fork_len[k] &&
                        memcmp(fb.ptr, l->fork_raw[k], fb.len) == 0);
        CHECK(w, ok, "%s fork evidence at seq %llu is not one of ours", CC[a],
              (unsigned long long)fseq);
        CHECK(w, fa.len == l->raw_len[fseq - 1] && memcmp(fa.ptr, l->raw[fseq - 1], fa.len) == 0,
              "%s fork evidence: the held entry", CC[a]);
        /* Ids of a few entries map back to them. */
    }
    for (int k = 0; k < 4; k++) {
        int a = (int)rn(w, N_AUTH);
        const alog *l = &w->log[a];
        if (l->n == 0)
            continue;
        uint64_t seq = 1u + rnd(w) % l->n, got_seq = 0;
        uint8_t author[PROTO_KEY_BYTES];
        CHECK(w,
              store_entry_find(&rd, l->id[seq - 1], author, &got_seq) == 0 && got_seq == seq &&
                  memcmp(author, w->auth[a].pk, PROTO_KEY_BYTES) == 0,
              "store_entry_find %s #%llu", CC[a], (unsigned long long)seq);
        range_check(w, &rd, a);
        if (l->raw[seq - 1] != NULL) {
            proto_str b;
            CHECK(w,
                  store_entry_get(&rd, w->auth[a].pk, seq, &b) == 0 &&
                      b.len == l->raw_len[seq - 1] && memcmp(b.ptr, l->raw[seq - 1], b.len) == 0,
                  "store_entry_get %s #%llu", CC[a], (unsigned long long)seq);
        }
    }
    w->rd = NULL;
    store_read_end(&rd);
}

static void check_replica(world *w)
{
    store_check_result cr;
    int rc = store_check(&w->s, &cr);
    CHECK(w, rc == 0, "store_check: %s", errname(rc));
    uint64_t authors = 0;
    for (int a = 0; a < N_AUTH; a++)
        authors += w->log[a].n > 0;
    CHECK(w, cr.entries == w->en && cr.authors == authors,
          "store_check counted %llu entries of %llu authors, the model %zu of %llu",
          (unsigned long long)cr.entries, (unsigned long long)cr.authors, w->en,
          (unsigned long long)authors);
}

/* ---- The world ---- */

static void keypair_init(keypair *k, uint8_t seed_byte)
{
    uint8_t seed[crypto_sign_SEEDBYTES];
    memset(seed, seed_byte, sizeof(seed));
    RN_ASSERT(crypto_sign_seed_keypair(k->pk, k->sk, seed) == 0);
}

/* Writes "CC:" base and then `fill` up to RN_ID_BYTES_MAX bytes into dst (ID_CAP bytes). */
static void fill_long(char *dst, const char *cc, const char *base, char fill)
{
    int n = snprintf(dst, ID_CAP, "%s:%s", cc, base);
    RN_ASSERT(n > 0 && (size_t)n < RN_ID_BYTES_MAX);
    memset(dst + n, fill, RN_ID_BYTES_MAX - (size_t)n);
    dst[RN_ID_BYTES_MAX] = '\0';
}

static world *world_new(uint64_t seed)
{
    world *w = calloc(1, sizeof(*w));
    proto_roster ro;

    RN_ASSERT(w != NULL);
    w->seed = seed;
    w->rng = seed;
    w->now = T0;
    snprintf(w->dir, sizeof(w->dir), "/tmp/store_model_test.XXXXXX");
    RN_ASSERT(mkdtemp(w->dir) != NULL);
    RN_ASSERT(store_open(&w->s, w->dir, NULL) == 0);
    w->open = true;
    for (int a = 0; a < N_AUTH; a++)
        keypair_init(&w->auth[a], (uint8_t)CC[a][0] ^ (uint8_t)CC[a][1]);
    keypair_init(&w->mirror, 'M');
    for (int k = 0; k < N_IKEYS; k++) {
        keypair ik;
        keypair_init(&ik, (uint8_t)(0x40 + k));
        memcpy(w->ikey[k], ik.pk, PROTO_KEY_BYTES);
    }
    for (int c = 0; c <= N_CRED; c++) {
        char urn[64];
        snprintf(urn, sizeof(urn), "urn:credential:model-%d", c);
        crypto_generichash(w->cred[c], PROTO_DIGEST_BYTES, (const uint8_t *)urn, strlen(urn), NULL,
                           0);
    }
    /* Digests with 0x00 and 0xff bytes, which revocation keys carry before the provider id. */
    memset(w->cred[0], 0x00, PROTO_DIGEST_BYTES);
    memset(w->cred[1], 0xff, PROTO_DIGEST_BYTES);
    w->cred[2][5] = 0x00;
    w->cred[2][31] = 0x00;
    RN_ASSERT(proto_roster_init(&ro, 8) == 0);
    for (int a = 0; a < N_AUTH; a++)
        RN_ASSERT(proto_roster_add(&ro, CC[a], 2, PROTO_ROLE_AUTHORITY, w->auth[a].pk) == 0);
    RN_ASSERT(proto_roster_add(&ro, NULL, 0, PROTO_ROLE_MIRROR, w->mirror.pk) == 0);
    RN_ASSERT(store_roster_set(&w->s, &ro) == 0);
    proto_roster_free(&ro);
    for (int a = 0; a < N_AUTH; a++) {
        for (int i = 0; i < PROV_PER; i++)
            snprintf(w->prov_id[a * PROV_PER + i], ID_CAP, "%s:%s", CC[a], PROV_SUFFIX[i]);
        snprintf(w->prov_phantom[a], ID_CAP, "%s:prov/100", CC[a]);
        for (int i = 0; i < SPEC_PER; i++)
            snprintf(w->spec_id[a * SPEC_PER + i], ID_CAP, "%s:%s", CC[a], SPEC_SUFFIX[i]);
        for (int i = 0; i < DEC_PER; i++)
            snprintf(w->dec_id[a * DEC_PER + i], ID_CAP, "%s:%s", CC[a], DEC_SUFFIX[i]);
        snprintf(w->dec_phantom[a], ID_CAP, "%s:dec/1000", CC[a]);
        /* The last id of each pool but pathways is as long as an id may be (RN_ID_BYTES_MAX),
         * an extension of a shorter one. */
        fill_long(w->prov_id[a * PROV_PER + PROV_PER - 1], CC[a], "prov/1", 'z');
        fill_long(w->spec_id[a * SPEC_PER + SPEC_PER - 1], CC[a], "mc/1", 'x');
        fill_long(w->dec_id[a * DEC_PER + DEC_PER - 1], CC[a], "dec/1", '0');
        for (int i = 0; i < POL_PER; i++)
            snprintf(w->pol_id[a * POL_PER + i], ID_CAP, "%s:%s", CC[a], POL_SUFFIX[i]);
        fill_long(w->pol_id[a * POL_PER + POL_PER - 1], CC[a], "pol/1", 'y');
        for (int i = 0; i < PW_PER; i++)
            snprintf(w->pw_id[a * PW_PER + i], ID_CAP, "%s:%s", CC[a], PW_SUFFIX[i]);
    }
    fill_long(w->too_long_id, "IE", "mc/1", 'x');
    w->too_long_id[RN_ID_BYTES_MAX] = 'x';
    w->too_long_id[RN_ID_BYTES_MAX + 1] = '\0';
    mp_buf_init(&w->proof, RN_PROOF_BYTES_MAX);
    return w;
}

static void remove_dir(const char *dir)
{
    if (test_rmtree(dir) != 0)
        fprintf(stderr, "store_model_test: rmdir %s: %s\n", dir, strerror(errno));
}

static void world_free(world *w)
{
    if (w->rd != NULL)
        store_read_end(w->rd);
    w->rd = NULL;
    if (w->open)
        store_close(&w->s);
    w->open = false;
    remove_dir(w->dir);
    for (size_t i = 0; i < w->en; i++)
        free(w->e[i].body);
    free(w->e);
    for (int a = 0; a < N_AUTH; a++) {
        alog *l = &w->log[a];
        for (uint64_t i = 0; i < l->n; i++)
            free(l->raw[i]);
        for (size_t i = 0; i < l->pend_n; i++)
            free(l->pend_raw[i]);
        for (size_t i = 0; i < l->fork_n; i++)
            free(l->fork_raw[i]);
        free(l->id);
        free(l->ts);
        free(l->raw);
        free(l->raw_len);
    }
    mp_buf_free(&w->proof);
    free(w);
}

/* ---- The run ---- */

static void run_seed(uint64_t seed, unsigned ops)
{
    world *w = world_new(seed);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    for (w->op = 1; w->op <= ops; w->op++) {
        if (chance(w, 70))
            w->now += 1u + rnd(w) % (2u * DAY_MS);
        do_op(w);
        w->st.ops++;
        do_queries(w, rn(w, 4));
        if (w->op % 50 == 0)
            check_logs(w);
        if (w->op % 400 == 0)
            check_replica(w);
    }
    /* Everything signed reaches the replica; then a last round of questions. */
    for (int a = N_LOCAL; a < N_AUTH; a++)
        if (w->log[a].pend_n > 0)
            remote_flush(w, a, w->log[a].pend_n);
    check_logs(w);
    check_replica(w);
    for (int q = 0; q < 100; q++)
        do_queries(w, 3);

    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("store_model_test: seed %llu: %lu ops, %lu entries (%lu ingest runs, %lu forks, %lu "
           "clamped appends); %lu recognise, %lu search (%lu pages), %lu verify, %lu stack "
           "(%lu refused as the model said), %lu bundles verified; %.1f s\n",
           (unsigned long long)seed, w->st.ops, w->st.entries, w->st.ingests, w->st.forks,
           w->st.clamps, w->st.recognise, w->st.search, w->st.search_pages, w->st.verify,
           w->st.stack, w->st.errors, w->st.proofs, s);
    if (getenv("RN_MODEL_VERBOSE") != NULL)
        printf("  recognise: %lu refused, %lu decision, %lu automatic, %lu no decision; %lu "
               "superseded skipped\n  verify: %lu valid, %lu checks ok on records registered "
               "retroactively, %lu spec_ok, "
               "%lu issuer_ok, %lu revoked\n"
               "  stack: %lu mandatory, %lu eligible, %lu rule, %lu unknown, %lu not eligible, "
               "%lu withdrawn, %lu complete\n  search: %lu hits\n",
               w->st.result[0], w->st.result[1], w->st.result[2], w->st.result[3], w->st.superseded,
               w->st.v_valid, w->st.v_retro_ok, w->st.v_spec_ok, w->st.v_issuer_ok, w->st.v_revoked,
               w->st.stack_status[1], w->st.stack_status[2], w->st.stack_status[3],
               w->st.stack_status[4], w->st.stack_status[5], w->st.stack_status[6],
               w->st.stack_complete, w->st.hits);
    fflush(stdout);
    world_free(w);
}

static bool env_u64(const char *name, uint64_t *out)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0')
        return false;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno != 0 || *end != '\0') {
        fprintf(stderr, "store_model_test: %s=%s is not a number\n", name, v);
        fail();
    }
    *out = x;
    return true;
}

static void test_model(void **state)
{
    (void)state;
    uint64_t seed, ops = OPS_DEFAULT;
    struct timespec t0, t1;

    RN_ASSERT(sodium_init() >= 0);
    (void)env_u64("RN_MODEL_OPS", &ops);
    if (env_u64("RN_SEED", &seed)) {
        printf("store_model_test: RN_SEED=%llu\n", (unsigned long long)seed);
        run_seed(seed, (unsigned)ops);
        return;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned i = 0; i < SEEDS_DEFAULT; i++) {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (i > 0 && t1.tv_sec - t0.tv_sec > BUDGET_S) {
            printf("store_model_test: time budget spent, %u of %u seeds run\n", i, SEEDS_DEFAULT);
            break;
        }
        printf("store_model_test: seed %llu (RN_SEED=%llu reproduces)\n",
               (unsigned long long)(SEED_DEFAULT + i), (unsigned long long)(SEED_DEFAULT + i));
        fflush(stdout);
        run_seed(SEED_DEFAULT + i, (unsigned)ops);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
