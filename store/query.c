/*
 * query.c: the query engine over the replica's indexes (query.h states the semantics, which this
 * file follows step by step, with the steps' letters in the comments).
 *
 * Every query is a handful of LMDB prefix scans and point lookups within one read transaction:
 * recognise reads the dec_spec range of (spec, country), the superseded range of each candidate
 * that could win, and, only when no decision answers, the country's policies. The expected load
 * is many recognise calls a second against a replica of some millions of entries, so the scans
 * are bounded by what one spec or one country has said, never by the size of the replica, and
 * nothing is allocated but one scratch area per call for the decoded records.
 *
 * Valid times (PROTOCOL.md 14.1) cost nothing when the valid time is the known time: a status at
 * a valid time at or after the latest version's entry is that version's own. Only a question
 * about an earlier valid time, and every verify (the issue date), walks the versions of the spec
 * and its provider (history_walk: one cursor over the record's versions up to the known time,
 * each decoded once), stepping the shared rules of proto/rules.h.
 *
 * Keys read here are laid out as store.h documents; a key or value of another shape is
 * RN_ECORRUPT, never an assertion, since it comes from disk.
 */
#include "query.h"
#include "store/keys.h"
#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codes.h"
#include "proto/rules.h"

/* The decoded records one query keeps at once, some 190 KiB: on the heap, not the stack. */
typedef struct scratch {
    proto_record spec;     /* the spec as of at */
    proto_record provider; /* its provider as of at */
    proto_record a, b;     /* working records */
} scratch;

/* ---- Small helpers ---- */

/* Times above RN_TIME_MS_MAX (QUERY_AT_NOW) mean the end of time (query.h, "Now"). */
static uint64_t clamp_time(uint64_t t)
{
    return t > RN_TIME_MS_MAX ? RN_TIME_MS_MAX : t;
}

/* Byte order, a shorter string before its extensions: the order of ids in every index. */
static int bytes_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

static void copy_id(char dst[QUERY_ID_CAP], proto_str s)
{
    RN_ASSERT(s.len <= RN_ID_BYTES_MAX);
    if (s.len > 0)
        memcpy(dst, s.ptr, s.len);
    dst[s.len] = '\0';
}

/* Copies a string of at most cap - 1 bytes (a bound of limits.h the decoder enforced). */
static void copy_text(char *dst, size_t cap, proto_str s)
{
    RN_ASSERT(s.len < cap);
    if (s.len > 0)
        memcpy(dst, s.ptr, s.len);
    dst[s.len] = '\0';
}

static void set_ref(query_ref *ref, const store_version *v)
{
    memcpy(ref->author, v->author, PROTO_KEY_BYTES);
    ref->seq = v->seq;
    ref->timestamp_ms = v->timestamp_ms;
}

/* The canonical code of a two-letter country ("EL" gives "GR"), or NULL. */
static const char *country_canonical(const char *code, size_t len)
{
    const proto_country *c = code != NULL ? proto_country_find(code, len) : NULL;
    return c != NULL ? c->alpha2 : NULL;
}

/* True if `author`'s head says it has misbehaved: it forked (two signed entries at one seq) or
 * published an entry whose own signature fails (STORE_HEAD_BADSIG). Answers resting on such an
 * author say "forked" either way. A missing head is not a fork. */
static int author_forked(store_read *r, const uint8_t *author, bool *forked)
{
    store_head h;
    int rc = store_head_get(r, author, &h);
    if (rc == RN_ENOTFOUND) {
        *forked = false;
        return 0;
    }
    RN_TRY(rc);
    *forked = (h.flags & (STORE_HEAD_FORKED | STORE_HEAD_BADSIG)) != 0;
    return 0;
}

/* Loads version `v` and checks that it holds a record of `kind`; `bytes` (may be NULL) gets the
 * entry's bytes, checked against its id, valid until store_read_end (a bundle reuses them). */
static int load_kind(store_read *r, const store_version *v, proto_kind kind, proto_record *rec,
                     proto_str *bytes)
{
    proto_entry e;
    RN_TRY(store_version_load(r, v, &e, rec));
    if (bytes != NULL)
        *bytes = (proto_str){ e.bytes, (uint32_t)e.len };
    return rec->kind == kind ? 0 : RN_ECORRUPT;
}

/* The latest version of record `id` of `kind` as of `at`, located in *v and decoded into *rec
 * (its entry's bytes in *bytes, as load_kind). Returns 0, RN_ENOTFOUND, RN_ESTORE, RN_ECORRUPT. */
static int latest(store_read *r, proto_kind kind, const uint8_t *rid, size_t rid_len, uint64_t at,
                  store_version *v, proto_record *rec, proto_str *bytes)
{
    RN_TRY(store_version_get(r, kind, rid, rid_len, at, v));
    return load_kind(r, v, kind, rec, bytes);
}

static int latest_id(store_read *r, proto_kind kind, proto_str id, uint64_t at, store_version *v,
                     proto_record *rec, proto_str *bytes)
{
    return latest(r, kind, id.ptr, id.len, at, v, rec, bytes);
}

/* As load_kind, but *rec may be the store's cached decode of the entry instead of `tmp`
 * (store_record_load): read-only, valid for the rest of the query. */
static int load_rec(store_read *r, const store_version *v, proto_kind kind, proto_record *tmp,
                    const proto_record **rec, proto_str *bytes)
{
    RN_TRY(store_record_load(r, v, kind, tmp, rec, bytes));
    return (*rec)->kind == kind ? 0 : RN_ECORRUPT;
}

/* As latest, with load_rec's *rec. */
static int latest_rec(store_read *r, proto_kind kind, const uint8_t *rid, size_t rid_len,
                      uint64_t at, store_version *v, proto_record *tmp, const proto_record **rec,
                      proto_str *bytes)
{
    RN_TRY(store_version_get(r, kind, rid, rid_len, at, v));
    return load_rec(r, v, kind, tmp, rec, bytes);
}

/* Reads an index value: the location of an entry dated ts. */
static int read_loc(const MDB_val *val, uint64_t ts, store_version *v)
{
    v->timestamp_ms = ts;
    return loc_parse(val->mv_data, val->mv_size, v->author, &v->seq);
}

/* ---- Cursors over key ranges ---- */

/* Maps a cursor result to 0 (a key under prefix[0..plen)), RN_ENOTFOUND (past the range) or
 * RN_ESTORE. */
static int in_range(int rc, const MDB_val *k, const uint8_t *prefix, size_t plen)
{
    if (rc == MDB_NOTFOUND)
        return RN_ENOTFOUND;
    if (rc != 0)
        return store_lmdb_err(rc, "cursor");
    if (k->mv_size < plen || memcmp(k->mv_data, prefix, plen) != 0)
        return RN_ENOTFOUND;
    return 0;
}

/* Positions `c` at the first key >= seek[0..seek_len) and says whether it is under the prefix. */
static int seek(MDB_cursor *c, const uint8_t *seek_key, size_t seek_len, const uint8_t *prefix,
                size_t plen, MDB_val *k, MDB_val *v)
{
    k->mv_size = seek_len;
    k->mv_data = (void *)seek_key;
    return in_range(mdb_cursor_get(c, k, v, MDB_SET_RANGE), k, prefix, plen);
}

static int next(MDB_cursor *c, const uint8_t *prefix, size_t plen, MDB_val *k, MDB_val *v)
{
    return in_range(mdb_cursor_get(c, k, v, MDB_NEXT), k, prefix, plen);
}

static int cursor_open(store_read *r, enum store_db db, MDB_cursor **c)
{
    int rc = mdb_cursor_open(r->txn, r->s->priv->dbi[db], c);
    return rc == 0 ? 0 : store_lmdb_err(rc, "cursor open");
}

/* ---- Versions as known at K, walked for a valid time (proto/rules.h) ---- */

/* What a walk over one record's versions as known at K gathers. */
typedef struct history {
    proto_status_walk status; /* the record's status at the valid time */
    uint64_t first_ms;        /* the timestamp of its first version; 0 when it has none */
    const uint8_t *key;       /* provider: the issuer key (or key id) to follow, else NULL */
    proto_key_walk kw;        /* that key's window */
} history;

/* Whether provider `p` lists `key` (an Ed25519 key, or the id of a key of issuer_keys_ext, as
 * verify's claim names it), and with which window. */
static bool provider_lists(const proto_provider *p, const uint8_t *key, uint64_t *from,
                           uint64_t *until)
{
    for (uint32_t i = 0; i < p->issuer_keys_ext_n; i++) {
        const proto_issuer_key_ext *k = &p->issuer_keys_ext[i];
        uint8_t id[PROTO_DIGEST_BYTES];
        proto_issuer_key_ext_id(k, id);
        if (memcmp(id, key, sizeof(id)) == 0) {
            *from = k->valid_from_ms;
            *until = k->valid_until_ms;
            return true;
        }
    }
    for (uint32_t i = 0; i < p->issuer_keys_n; i++) {
        const proto_issuer_key *k = &p->issuer_keys[i];
        if (memcmp(k->key, key, PROTO_KEY_BYTES) == 0) {
            *from = k->valid_from_ms;
            *until = k->valid_until_ms;
            return true;
        }
    }
    return false;
}

/* Walks every version of spec or provider `rid` with timestamp <= known, in (timestamp, seq)
 * order, into *h (h->key set by the caller, or NULL): its status at valid time t, its first
 * version's timestamp, and the window of h->key. A cursor of its own, so that it may run inside
 * another scan. Returns 0, RN_ESTORE, RN_ECORRUPT, RN_ENOMEM. */
static int history_walk(store_read *r, proto_kind kind, proto_str rid, uint64_t known, uint64_t t,
                        history *h, proto_record *tmp)
{
    uint8_t prefix[INDEX_KEY_MAX];
    size_t plen = key_versions_prefix(prefix, kind, rid.ptr, rid.len);
    MDB_cursor *c;
    MDB_val k, v;
    int rc;

    RN_ASSERT(kind == PROTO_KIND_SPEC || kind == PROTO_KIND_PROVIDER);
    RN_ASSERT(plen > 0);
    proto_status_walk_init(&h->status, t);
    proto_key_walk_init(&h->kw);
    h->first_ms = 0;
    RN_TRY(cursor_open(r, STORE_DB_VERSIONS, &c));
    for (rc = seek(c, prefix, plen, prefix, plen, &k, &v); rc == 0;
         rc = next(c, prefix, plen, &k, &v)) {
        uint64_t ts;
        store_version ver;
        const proto_record *rec;
        if (!key_dated(k.mv_data, k.mv_size, plen, &ts, NULL)) {
            rc = RN_ECORRUPT;
            break;
        }
        if (ts > known)
            break; /* dated keys ascend */
        if ((rc = read_loc(&v, ts, &ver)) < 0 ||
            (rc = load_rec(r, &ver, kind, tmp, &rec, NULL)) < 0)
            break;
        if (h->first_ms == 0)
            h->first_ms = ts == 0 ? 1 : ts;
        if (kind == PROTO_KIND_SPEC) {
            proto_status_walk_step(&h->status, rec->u.spec.status, ts);
        } else {
            proto_status_walk_step(&h->status, rec->u.provider.status, ts);
            if (h->key != NULL) {
                uint64_t from = 0, until = 0;
                bool lists = provider_lists(&rec->u.provider, h->key, &from, &until);
                proto_key_walk_step(&h->kw, lists, from, until, ts);
            }
        }
    }
    mdb_cursor_close(c);
    return rc == RN_ENOTFOUND ? 0 : rc;
}

/* The status at valid time t of spec or provider `rid` whose latest version as of `known` is
 * entry `lv` with status `own`: `own` when t is at or after that entry's timestamp (the walk
 * could give nothing else), else the walk's. 0 when it had none at t. */
int query_status_valid(store_read *r, proto_kind kind, proto_str rid, const store_version *lv,
                       uint32_t own, uint64_t at_ms, uint64_t valid_at_ms, proto_record *tmp,
                       uint32_t *status)
{
    uint64_t known = clamp_time(at_ms), t = clamp_time(valid_at_ms);
    RN_ASSERT(kind == PROTO_KIND_SPEC || kind == PROTO_KIND_PROVIDER);
    if (t >= lv->timestamp_ms) {
        *status = own;
        return 0;
    }
    history h = { .key = NULL };
    RN_TRY(history_walk(r, kind, rid, known, t, &h, tmp));
    *status = h.status.status;
    return 0;
}

/* query_status_valid of `rec`, decoded from `lv`. */
static int status_at(store_read *r, proto_kind kind, const proto_record *rec,
                     const store_version *lv, uint64_t known, uint64_t t, proto_record *tmp,
                     uint32_t *status)
{
    uint32_t own = kind == PROTO_KIND_SPEC ? rec->u.spec.status : rec->u.provider.status;
    proto_str rid = kind == PROTO_KIND_SPEC ? rec->u.spec.id : rec->u.provider.id;
    return query_status_valid(r, kind, rid, lv, own, known, t, tmp, status);
}

/* ---- recognise ---- */

/* A query being answered: its terms and the records it rests on. */
typedef struct recog {
    proto_str spec_id;
    char country[3]; /* canonical */
    uint32_t purpose;
    uint64_t at;                   /* known at: which entries count, clamped */
    uint64_t valid;                /* valid at: when the records' dates are evaluated, clamped */
    const proto_member *authority; /* the country's authority in force, or NULL (every key of
                                      its lineage answers for the country: store_is_authority_of) */
    store_version spec_v, provider_v;
    /* The entries the answer rests on, as read (checked against their ids) while answering:
     * the bundle takes them from here rather than read them again. len 0: not read. */
    proto_str spec_e, provider_e, basis_e;
    const proto_record *spec, *provider; /* as of at: in the scratch or the store's cache */
} recog;

/* (d) Whether decision `x_id` is superseded as of q->at. Returns 1, 0, or an error. */
static int superseded(store_read *r, const recog *q, proto_str x_id, proto_record *tmp)
{
    uint8_t prefix[INDEX_KEY_MAX];
    size_t plen = key_id_prefix(prefix, x_id);
    MDB_cursor *c;
    MDB_val k, v;
    int rc, found = 0;

    RN_ASSERT(plen > 0);                                   /* an id (proto_id_check) */
    RN_TRY(store_scan_cursor(r, STORE_DB_SUPERSEDED, &c)); /* the read's own: not closed here */
    for (rc = seek(c, prefix, plen, prefix, plen, &k, &v); rc == 0;
         rc = next(c, prefix, plen, &k, &v)) {
        store_version yv, ylatest;
        uint64_t ts;
        if (!key_dated(k.mv_data, k.mv_size, plen, &ts, NULL)) {
            rc = RN_ECORRUPT;
            break;
        }
        if (ts > q->at)
            break; /* dated keys ascend: nothing later counts */
        const proto_record *y;
        if ((rc = read_loc(&v, ts, &yv)) < 0 ||
            (rc = load_rec(r, &yv, PROTO_KIND_DECISION, tmp, &y, NULL)) < 0)
            break;
        proto_str y_id = y->u.decision.id;
        if ((rc = latest_rec(r, PROTO_KIND_DECISION, y_id.ptr, y_id.len, q->at, &ylatest, tmp, &y,
                             NULL)) < 0)
            break;
        if (proto_str_eq(y->u.decision.supersedes, x_id)) {
            found = 1;
            break;
        }
    }
    if (rc < 0 && rc != RN_ENOTFOUND)
        return rc;
    return found;
}

/* The terms a decision gives (query_terms), copied when it becomes the best candidate, while
 * its decoded record is at hand: the scans reuse the scratch records. */
static void terms_of_decision(query_terms *t, const proto_decision *d)
{
    t->has_ects = d->has_ects;
    t->ects_centi = d->has_ects ? d->ects_centi : 0;
    t->eqf = d->eqf;
    RN_ASSERT(d->differences_n <= RN_DIFFERENCES_MAX);
    t->differences_n = d->differences_n;
    for (uint32_t i = 0; i < d->differences_n; i++) {
        t->differences[i].type = d->differences[i].type;
        copy_text(t->differences[i].note, sizeof(t->differences[i].note), d->differences[i].note);
    }
    copy_text(t->conditions, sizeof(t->conditions), d->conditions);
    copy_text(t->appeal, sizeof(t->appeal), d->appeal);
    t->valid_from_ms = d->valid_from_ms;
    t->valid_until_ms = d->valid_until_ms;
    copy_text(t->supersedes, sizeof(t->supersedes), d->supersedes);
}

/* The terms a policy gives: its conditions and validity (the rest stays as answer_clear left it).
 */
static void terms_of_policy(query_terms *t, const proto_policy *pol)
{
    copy_text(t->conditions, sizeof(t->conditions), pol->conditions);
    t->valid_from_ms = pol->valid_from_ms;
    t->valid_until_ms = pol->valid_until_ms;
}

/* (c)-(f) The winning decision, if any: fills out->basis, basis_id, outcome and result. */
static int best_decision(store_read *r, recog *q, scratch *sc, query_recognition *out)
{
    uint8_t prefix[INDEX_KEY_MAX];
    size_t plen = key_dec_spec_prefix(prefix, q->spec_id, q->country);
    MDB_cursor *c;
    MDB_val k, v;
    store_version best = { .seq = 0 };
    int rc;

    RN_ASSERT(plen > 0);                                 /* an id (proto_id_check) */
    RN_TRY(store_scan_cursor(r, STORE_DB_DEC_SPEC, &c)); /* the read's own: not closed here */
    for (rc = seek(c, prefix, plen, prefix, plen, &k, &v); rc == 0;
         rc = next(c, prefix, plen, &k, &v)) {
        store_version dv, dlatest;
        proto_str dv_bytes;
        uint64_t ts;
        if (!key_dated(k.mv_data, k.mv_size, plen, &ts, NULL)) {
            rc = RN_ECORRUPT;
            break;
        }
        if (ts > q->at)
            break;
        const proto_record *d;
        if ((rc = read_loc(&v, ts, &dv)) < 0 ||
            (rc = load_rec(r, &dv, PROTO_KIND_DECISION, &sc->a, &d, &dv_bytes)) < 0)
            break;
        /* (c) Only D's latest version as of at speaks for D; it has its own key in this range
         * when its spec is still this one, so every other version is skipped here. */
        proto_str d_id = d->u.decision.id;
        if ((rc = store_version_get(r, PROTO_KIND_DECISION, d_id.ptr, d_id.len, q->at, &dlatest)) <
            0)
            break;
        if (dlatest.seq != dv.seq || memcmp(dlatest.author, dv.author, PROTO_KEY_BYTES) != 0)
            continue;
        const proto_decision *dec = &d->u.decision;
        /* (e) and the spec: the verifier's own rule (proto/rules.h). */
        if (!store_is_authority_of(r->s, dv.author, q->country) ||
            proto_decision_unmet(dec, q->spec_id, q->purpose, q->valid) != NULL)
            continue;
        /* (f) Only a candidate that would win needs the supersession check (d). */
        if (best.seq != 0 && (dv.timestamp_ms < best.timestamp_ms ||
                              (dv.timestamp_ms == best.timestamp_ms && dv.seq <= best.seq)))
            continue;
        uint32_t outcome = dec->outcome;
        int sup = superseded(r, q, d_id, &sc->b);
        if (sup < 0) {
            rc = sup;
            break;
        }
        if (sup)
            continue;
        best = dv;
        q->basis_e = dv_bytes;
        out->result = PROTO_RESULT_DECISION;
        out->outcome = outcome;
        copy_id(out->basis_id, d_id);
        terms_of_decision(&out->terms, dec); /* sc->a or cached: superseded() used sc->b */
    }
    if (rc < 0 && rc != RN_ENOTFOUND)
        return rc;
    if (best.seq != 0)
        set_ref(&out->basis, &best);
    return 0;
}

/* Lower is more favourable: full > conditional > partial > denied. */
static unsigned outcome_rank(uint32_t outcome)
{
    switch (outcome) {
    case PROTO_OUTCOME_FULL:
        return 0;
    case PROTO_OUTCOME_CONDITIONAL:
        return 1;
    case PROTO_OUTCOME_PARTIAL:
        return 2;
    case PROTO_OUTCOME_DENIED:
        return 3;
    default:
        return 4;
    }
}

/* (g) The most favourable matching policy of the country, if any. Policy ids are visited in
 * ascending order, so the first of equally favourable ones is the smallest id. */
static int best_policy(store_read *r, recog *q, scratch *sc, query_recognition *out)
{
    uint8_t prefix[4];
    size_t plen = key_kind_country(prefix, PROTO_KIND_POLICY, q->country);
    MDB_cursor *c;
    MDB_val k, v;
    unsigned best_rank = 4;
    int rc;

    RN_TRY(store_scan_cursor(r, STORE_DB_VERSIONS, &c)); /* the read's own: not closed here */
    rc = seek(c, prefix, plen, prefix, plen, &k, &v);
    while (rc == 0) {
        proto_str rid, pv_bytes;
        bool nul, found = false;
        store_version pv;
        if (key_id_at(k.mv_data, k.mv_size, 1, &rid, &nul) < 0 || !nul) {
            rc = RN_ECORRUPT;
            break;
        }
        /* The policy's versions: "kind id 0x00" then (ts, seq) ascending, so its latest as of at
         * (store_version_get's answer) is the last of them with ts <= at, found by stepping the
         * scan on rather than seeking again. */
        uint8_t vkey[INDEX_KEY_MAX];
        size_t vlen = key_versions_prefix(vkey, PROTO_KIND_POLICY, rid.ptr, rid.len);
        int mrc = 0;
        bool past_at = false;
        for (;;) {
            uint64_t ts;
            if (!key_dated(k.mv_data, k.mv_size, vlen, &ts, NULL)) {
                rc = RN_ECORRUPT;
                break;
            }
            if (ts > q->at) {
                past_at = true;
                break;
            }
            if ((rc = read_loc(&v, ts, &pv)) < 0)
                break;
            found = true;
            mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
            if (mrc != 0 || k.mv_size < vlen || memcmp(k.mv_data, vkey, vlen) != 0)
                break;
        }
        if (rc < 0)
            break;
        if (found) {
            const proto_record *pr;
            rc = load_rec(r, &pv, PROTO_KIND_POLICY, &sc->a, &pr, &pv_bytes);
            if (rc < 0)
                break;
            const proto_policy *pol = &pr->u.policy;
            if (store_is_authority_of(r->s, pv.author, q->country) &&
                proto_policy_unmet(pol, q->purpose, q->valid) == NULL &&
                outcome_rank(pol->outcome) < best_rank &&
                proto_policy_matches(pol, &q->spec->u.spec, &q->provider->u.provider)) {
                best_rank = outcome_rank(pol->outcome);
                out->result = PROTO_RESULT_AUTOMATIC;
                out->outcome = pol->outcome;
                copy_id(out->basis_id, pol->id);
                set_ref(&out->basis, &pv);
                q->basis_e = pv_bytes;
                terms_of_policy(&out->terms, pol);
            }
        }
        if (past_at) {
            /* Where the next policy id's versions begin: just past this id's keys. */
            vkey[vlen - 1] = 1;
            rc = seek(c, vkey, vlen, prefix, plen, &k, &v);
        } else {
            rc = in_range(mrc, &k, prefix, plen); /* the scan stands on the next id, if any */
        }
    }
    return rc == RN_ENOTFOUND ? 0 : rc;
}

/* Checks the terms of a recognise query and fills q. */
static int recog_init(recog *q, proto_str spec_id, const char *country, uint32_t purpose,
                      uint64_t at_ms, uint64_t valid_at_ms)
{
    const char *cc;

    RN_TRY(proto_id_check(spec_id.ptr, spec_id.len));
    cc = country_canonical(country, country != NULL ? 2 : 0);
    if (cc == NULL)
        return RN_ECOUNTRY;
    if (proto_enum_value_name(PROTO_ENUM_PURPOSE, purpose) == NULL)
        return RN_EENUM;
    memset(q, 0, sizeof(*q));
    q->spec_id = spec_id;
    memcpy(q->country, cc, 3);
    q->purpose = purpose;
    q->at = clamp_time(at_ms);
    q->valid = clamp_time(valid_at_ms);
    return 0;
}

/* What the answer states of the spec and its provider (their versions as of at). */
static void describe(query_recognition *out, const proto_spec *s, const proto_provider *p)
{
    out->spec_status = s->status;
    out->provider_status = p->status;
    RN_ASSERT(s->title_n <= RN_LANGS_MAX);
    out->spec_title_n = s->title_n;
    for (uint32_t i = 0; i < s->title_n; i++) {
        copy_text(out->spec_title[i].lang, sizeof(out->spec_title[i].lang), s->title[i].lang);
        copy_text(out->spec_title[i].text, sizeof(out->spec_title[i].text), s->title[i].text);
    }
    out->spec_ects_centi = s->ects_centi;
    out->spec_eqf = s->eqf;
    copy_text(out->provider_name, sizeof(out->provider_name), p->legal_name);
}

/* Makes *out an empty answer: every number, flag and count 0, every string "". The arrays behind
 * the counts (titles, differences) are left as they are: nothing reads past a count, and the
 * answer is some 32 KiB, nearly all of it room for texts, which zeroing whole cost a quarter of a
 * recognise. */
static void answer_clear(query_recognition *out)
{
    query_terms *t = &out->terms;
    out->result = 0;
    out->outcome = 0;
    memset(&out->basis, 0, sizeof(out->basis));
    out->basis_id[0] = '\0';
    out->forked = false;
    memset(&out->spec, 0, sizeof(out->spec));
    memset(&out->provider, 0, sizeof(out->provider));
    out->provider_id[0] = '\0';
    out->spec_status = 0;
    out->provider_status = 0;
    t->has_ects = false;
    t->ects_centi = 0;
    t->eqf = 0;
    t->differences_n = 0;
    t->conditions[0] = '\0';
    t->appeal[0] = '\0';
    t->valid_from_ms = 0;
    t->valid_until_ms = 0;
    t->supersedes[0] = '\0';
    out->spec_title_n = 0;
    out->spec_ects_centi = 0;
    out->spec_eqf = 0;
    out->provider_name[0] = '\0';
}

/* Steps (a)-(h) of query_recognise, without the bundle; leaves the spec and its provider as of
 * at in q->spec and q->provider. Begins the query's scope of cached records. */
static int recognise(store_read *r, recog *q, scratch *sc, query_recognition *out)
{
    store_records_scope(r);
    answer_clear(out);
    /* (a) */
    RN_TRY(latest_rec(r, PROTO_KIND_SPEC, q->spec_id.ptr, q->spec_id.len, q->at, &q->spec_v,
                      &sc->spec, &q->spec, &q->spec_e));
    proto_str prov_id = q->spec->u.spec.provider;
    RN_TRY(latest_rec(r, PROTO_KIND_PROVIDER, prov_id.ptr, prov_id.len, q->at, &q->provider_v,
                      &sc->provider, &q->provider, &q->provider_e));
    set_ref(&out->spec, &q->spec_v);
    set_ref(&out->provider, &q->provider_v);
    copy_id(out->provider_id, prov_id);
    describe(out, &q->spec->u.spec, &q->provider->u.provider);
    /* The statuses at the valid time (proto_status_walk): the latest versions' own unless the
     * valid time is before them. */
    RN_TRY(status_at(r, PROTO_KIND_SPEC, q->spec, &q->spec_v, q->at, q->valid, &sc->a,
                     &out->spec_status));
    RN_TRY(status_at(r, PROTO_KIND_PROVIDER, q->provider, &q->provider_v, q->at, q->valid, &sc->a,
                     &out->provider_status));
    /* (b) */
    q->authority = proto_roster_authority(&r->s->roster, q->country, 2);
    if (q->authority == NULL && !store_lineage_has(r->s, q->country))
        return RN_ECOUNTRY;
    /* (c)-(f), then (g), then (h). */
    out->result = PROTO_RESULT_NO_DECISION;
    RN_TRY(best_decision(r, q, sc, out));
    if (out->result == PROTO_RESULT_NO_DECISION)
        RN_TRY(best_policy(r, q, sc, out));

    bool fa = false, fb = false, fs;
    if (q->authority != NULL)
        RN_TRY(author_forked(r, q->authority->key, &fa));
    /* A basis by an earlier key of the lineage: that key's log is the one the answer rests on. */
    if (out->result != PROTO_RESULT_NO_DECISION &&
        (q->authority == NULL ||
         memcmp(out->basis.author, q->authority->key, PROTO_KEY_BYTES) != 0))
        RN_TRY(author_forked(r, out->basis.author, &fb));
    RN_TRY(author_forked(r, q->spec_v.author, &fs));
    out->forked = fa || fb || fs;
    return 0;
}

/* Appends the bundle of answer `out` to `b`: the basis (if any), the spec, the provider, and the
 * revocation `rev` when not NULL. `credential` (may be NULL) goes into the query. */
static int proof_build(store_read *r, const recog *q, const query_recognition *out,
                       const uint8_t *credential, bool revoked, const query_ref *rev, mp_buf *b)
{
    proto_proof p;
    const query_ref *refs[4];
    proto_str held[4]; /* the entries as read while answering (len 0: read them now) */
    uint32_t n = 0;

    memset(&p.query, 0, sizeof(p.query));
    memset(&p.answer, 0, sizeof(p.answer));
    p.query.spec = q->spec_id;
    p.query.country = (proto_str){ (const uint8_t *)q->country, 2 };
    p.query.purpose = q->purpose;
    p.query.at_ms = q->at;
    p.query.valid_at_ms = q->valid;
    p.query.has_valid_at = q->valid != q->at;
    p.query.credential = credential;
    p.answer.result = out->result;
    p.answer.forked = out->forked;
    p.answer.has_revoked = credential != NULL;
    p.answer.revoked = revoked;
    if (out->result != PROTO_RESULT_NO_DECISION) {
        p.answer.outcome = out->outcome;
        p.answer.basis_author = out->basis.author;
        p.answer.basis_seq = out->basis.seq;
        held[n] = q->basis_e;
        refs[n++] = &out->basis;
    }
    held[n] = q->spec_e;
    refs[n++] = &out->spec;
    held[n] = q->provider_e;
    refs[n++] = &out->provider;
    if (rev != NULL) {
        held[n] = (proto_str){ NULL, 0 };
        refs[n++] = rev;
    }
    /* Only entries whose own signature verifies: a bundle must verify offline, and an entry
     * authenticated only through a later one's signature does not travel alone (RN_ESIG). The
     * entries read while answering were checked against their ids then, in this very snapshot:
     * only their signatures remain to be vouched for. */
    for (uint32_t i = 0; i < n; i++) {
        int rc;
        if (held[i].len > 0) {
            p.entries[i] = held[i];
            rc = store_entry_signed(r, refs[i]->author, refs[i]->seq, held[i]);
        } else {
            rc = store_entry_get_verified(r, refs[i]->author, refs[i]->seq, &p.entries[i]);
        }
        if (rc < 0)
            return rc == RN_ENOTFOUND ? RN_ECORRUPT : rc;
    }
    p.entries_n = n;
    /* Every entry came from store_entry_get, checked against its id: decoded strictly at ingest. */
    return proto_proof_encode_held(&p, b, NULL);
}

int query_recognise(store_read *r, proto_str spec_id, const char *country, uint32_t purpose,
                    uint64_t at_ms, query_recognition *out, mp_buf *proof)
{
    return query_recognise_valid(r, spec_id, country, purpose, at_ms, at_ms, out, proof);
}

int query_recognise_valid(store_read *r, proto_str spec_id, const char *country, uint32_t purpose,
                          uint64_t at_ms, uint64_t valid_at_ms, query_recognition *out,
                          mp_buf *proof)
{
    recog q;
    scratch *sc = NULL;
    int rc;

    RN_TRY(recog_init(&q, spec_id, country, purpose, at_ms, valid_at_ms));
    sc = malloc(sizeof(*sc));
    if (sc == NULL)
        return RN_ENOMEM;
    RN_GUARD(rc, recognise(r, &q, sc, out));
    if (proof != NULL)
        RN_GUARD(rc, proof_build(r, &q, out, NULL, false, NULL, proof));
out:
    free(sc);
    return rc;
}

/* ---- verify ---- */

const char *query_spec_reason_name(uint32_t reason)
{
    switch (reason) {
    case QUERY_SPEC_OK:
        return "ok";
    case QUERY_SPEC_UNKNOWN:
        return "unknown";
    case QUERY_SPEC_WITHDRAWN:
        return "withdrawn";
    case QUERY_SPEC_NOT_YET_VALID:
        return "not_yet_valid";
    case QUERY_SPEC_EXPIRED:
        return "expired";
    default:
        return NULL;
    }
}

const char *query_issuer_reason_name(uint32_t reason)
{
    switch (reason) {
    case QUERY_ISSUER_OK:
        return "ok";
    case QUERY_ISSUER_KEY_UNKNOWN:
        return "key_unknown";
    case QUERY_ISSUER_KEY_NOT_YET_VALID:
        return "key_not_yet_valid";
    case QUERY_ISSUER_KEY_EXPIRED:
        return "key_expired";
    case QUERY_ISSUER_PROVIDER_SUSPENDED:
        return "provider_suspended";
    case QUERY_ISSUER_PROVIDER_WITHDRAWN:
        return "provider_withdrawn";
    case QUERY_ISSUER_PROVIDER_UNKNOWN:
        return "provider_unknown";
    default:
        return NULL;
    }
}

/* The spec check of verify: spec `s` (its latest version as known at K), `status` its status at
 * the issue date `t` (proto_status_walk; 0 for none). */
static uint32_t spec_reason(const proto_spec *s, uint32_t status, uint64_t t)
{
    if (status == 0)
        return QUERY_SPEC_UNKNOWN;
    if (status != PROTO_STATUS_ACTIVE)
        return QUERY_SPEC_WITHDRAWN;
    if (t < s->valid_from_ms)
        return QUERY_SPEC_NOT_YET_VALID;
    if (s->valid_until_ms != 0 && t >= s->valid_until_ms)
        return QUERY_SPEC_EXPIRED;
    return QUERY_SPEC_OK;
}

/* The issuer check of verify: the provider's status at the issue date `t` and the window of the
 * claim's key, both walked over its versions as known at K (history_walk). */
static uint32_t issuer_reason(const history *h, uint64_t t)
{
    if (h->status.status == 0)
        return QUERY_ISSUER_PROVIDER_UNKNOWN;
    if (h->status.status == PROTO_PROVIDER_SUSPENDED)
        return QUERY_ISSUER_PROVIDER_SUSPENDED;
    if (h->status.status != PROTO_PROVIDER_ACTIVE)
        return QUERY_ISSUER_PROVIDER_WITHDRAWN;
    switch (proto_key_walk_at(&h->kw, t)) {
    case PROTO_KEY_VALID:
        return QUERY_ISSUER_OK;
    case PROTO_KEY_NOT_YET_VALID:
        return QUERY_ISSUER_KEY_NOT_YET_VALID;
    case PROTO_KEY_EXPIRED:
        return QUERY_ISSUER_KEY_EXPIRED;
    case PROTO_KEY_UNLISTED:
    default:
        return QUERY_ISSUER_KEY_UNKNOWN;
    }
}

int query_verify(store_read *r, const query_claim *claim, const char *country, uint32_t purpose,
                 uint64_t at_ms, query_verification *out, mp_buf *proof)
{
    return query_verify_valid(r, claim, country, purpose, at_ms, at_ms, out, proof);
}

int query_verify_valid(store_read *r, const query_claim *claim, const char *country,
                       uint32_t purpose, uint64_t at_ms, uint64_t valid_at_ms,
                       query_verification *out, mp_buf *proof)
{
    recog q;
    scratch *sc = NULL;
    store_version v;
    history h;
    uint8_t rid[PROTO_DIGEST_BYTES + RN_ID_BYTES_MAX];
    int rc;

    if (claim == NULL || claim->issuer_key == NULL || claim->credential == NULL)
        return RN_EINVAL;
    RN_TRY(recog_init(&q, claim->spec_id, country, purpose, at_ms, valid_at_ms));
    sc = malloc(sizeof(*sc));
    if (sc == NULL)
        return RN_ENOMEM;
    memset(out, 0, sizeof(*out));
    RN_GUARD(rc, recognise(r, &q, sc, &out->recognition));

    /* spec_ok: the spec as known at at (the recognition's), evaluated at the issue date. */
    uint64_t issued = clamp_time(claim->issued_at_ms);
    h.key = NULL;
    RN_GUARD(rc, history_walk(r, PROTO_KIND_SPEC, claim->spec_id, q.at, issued, &h, &sc->a));
    out->spec_reason = spec_reason(&q.spec->u.spec, h.status.status, issued);
    out->spec_ok = out->spec_reason == QUERY_SPEC_OK;
    set_ref(&out->spec_at_issue, &q.spec_v);
    out->spec_registered_ms = h.first_ms;

    /* issuer_ok: the spec's provider as known at at, its status and the key's window walked. */
    proto_str prov_id = q.spec->u.spec.provider;
    copy_id(out->issuer_provider_id, prov_id);
    h.key = claim->issuer_key;
    RN_GUARD(rc, history_walk(r, PROTO_KIND_PROVIDER, prov_id, q.at, issued, &h, &sc->a));
    out->issuer_reason = issuer_reason(&h, issued);
    out->issuer_ok = out->issuer_reason == QUERY_ISSUER_OK;
    set_ref(&out->issuer_provider, &q.provider_v);
    out->key_registered_ms = h.kw.listed ? h.kw.first_listed_ms : 0;
    out->spec_retroactive = out->spec_registered_ms > issued;
    out->key_retroactive = h.kw.listed && out->key_registered_ms > issued;

    /* revoked: by the provider of the spec as of at, the one the bundle shows, and in force at
     * the valid time. */
    proto_str spec_prov = q.spec->u.spec.provider;
    memcpy(rid, claim->credential, PROTO_DIGEST_BYTES);
    memcpy(rid + PROTO_DIGEST_BYTES, spec_prov.ptr, spec_prov.len);
    rc = latest(r, PROTO_KIND_REVOCATION, rid, PROTO_DIGEST_BYTES + spec_prov.len, q.at, &v, &sc->a,
                NULL);
    if (rc < 0 && rc != RN_ENOTFOUND)
        goto out;
    if (rc == 0 && proto_revoked_at(sc->a.u.revocation.revoked_at_ms, q.valid)) {
        out->revoked = true;
        set_ref(&out->revocation, &v);
    }
    rc = 0;
    out->valid = out->spec_ok && out->issuer_ok && !out->revoked;
    if (proof != NULL)
        RN_GUARD(rc, proof_build(r, &q, &out->recognition, claim->credential, out->revoked,
                                 out->revoked ? &out->revocation : NULL, proof));
out:
    free(sc);
    return rc;
}

/* ---- search ---- */

/*
 * One sorted run of spec ids in an index: the keys under `prefix`, each carrying a spec id from
 * offset `id_off` up to a 0x00 byte or the key's end. A search merges one run (provider, country,
 * all specs) or several (one per ISCED-F code under a prefix) in id order.
 */
typedef struct run {
    uint8_t prefix[RN_ID_BYTES_MAX + 2];
    size_t plen;
    size_t id_off;
    bool done;
    uint8_t head[RN_ID_BYTES_MAX]; /* the run's current id */
    size_t head_len;
} run;

#define RUNS_MAX PROTO_ISCED_COUNT

typedef struct search_state {
    run runs[RUNS_MAX];
    size_t runs_n;
    MDB_cursor *c;
} search_state;

/* Moves run `u` to its first id strictly after after[0..after_len) (from the start when
 * after_len is 0). */
static int run_seek(search_state *st, run *u, const uint8_t *after, size_t after_len)
{
    uint8_t target[INDEX_KEY_MAX + 1];
    size_t tlen = u->plen;
    MDB_val k, v;

    memcpy(target, u->prefix, u->plen);
    if (after_len > 0) {
        /* id_off || after || 0x01 is past every key of `after` and before every greater id, in
         * either layout (an id ending the key, or an id followed by 0x00 and a date). */
        uint8_t t2[INDEX_KEY_MAX + 1];
        memcpy(t2, u->prefix, u->id_off);
        memcpy(t2 + u->id_off, after, after_len);
        t2[u->id_off + after_len] = 1;
        size_t t2len = u->id_off + after_len + 1;
        if (bytes_cmp(t2, t2len, target, tlen) > 0) {
            memcpy(target, t2, t2len);
            tlen = t2len;
        }
    }
    int rc = seek(st->c, target, tlen, u->prefix, u->plen, &k, &v);
    if (rc == RN_ENOTFOUND) {
        u->done = true;
        return 0;
    }
    RN_TRY(rc);
    proto_str id;
    RN_TRY(key_id_at(k.mv_data, k.mv_size, u->id_off, &id, NULL));
    memcpy(u->head, id.ptr, id.len);
    u->head_len = id.len;
    return 0;
}

static run *run_add(search_state *st, const uint8_t *prefix, size_t plen, size_t id_off)
{
    RN_ASSERT(plen <= sizeof(st->runs[0].prefix) && id_off <= plen);
    if (st->runs_n == RUNS_MAX)
        return NULL;
    run *u = &st->runs[st->runs_n++];
    memcpy(u->prefix, prefix, plen);
    u->plen = plen;
    u->id_off = id_off;
    u->done = false;
    u->head_len = 0;
    return u;
}

/* One run per distinct ISCED-F code in spec_isced under the prefix isced[0..len). */
static int runs_isced(search_state *st, proto_str isced)
{
    uint8_t target[RN_ID_BYTES_MAX + 2];
    size_t tlen = isced.len;
    MDB_val k, v;
    int rc;

    memcpy(target, isced.ptr, isced.len);
    rc = seek(st->c, target, tlen, isced.ptr, isced.len, &k, &v);
    while (rc == 0) {
        proto_str code;
        bool nul;
        if (key_id_at(k.mv_data, k.mv_size, 0, &code, &nul) < 0 || !nul)
            return RN_ECORRUPT;
        size_t code_len = code.len;
        memcpy(target, k.mv_data, code_len + 1);
        if (run_add(st, target, code_len + 1, code_len + 1) == NULL)
            return RN_ECORRUPT; /* more codes than ISCED-F has */
        target[code_len] = 1;
        rc = seek(st->c, target, code_len + 1, isced.ptr, isced.len, &k, &v);
    }
    return rc == RN_ENOTFOUND ? 0 : rc;
}

/* ASCII case-insensitive: does hay contain needle? */
static bool contains_ci(proto_str hay, proto_str needle)
{
    if (needle.len > hay.len)
        return false;
    for (uint32_t i = 0; i + needle.len <= hay.len; i++) {
        uint32_t j = 0;
        for (; j < needle.len; j++) {
            uint8_t a = hay.ptr[i + j], b = needle.ptr[j];
            if (a >= 'A' && a <= 'Z')
                a = (uint8_t)(a - 'A' + 'a');
            if (b >= 'A' && b <= 'Z')
                b = (uint8_t)(b - 'A' + 'a');
            if (a != b)
                break;
        }
        if (j == needle.len)
            return true;
    }
    return false;
}

static bool eqf_within(uint32_t eqf, uint32_t lo, uint32_t hi)
{
    if (lo == 0 && hi == 0)
        return true;
    lo = lo != 0 ? lo : PROTO_EQF_MIN;
    hi = hi != 0 ? hi : PROTO_EQF_MAX;
    return eqf != 0 && eqf >= lo && eqf <= hi;
}

/* Whether spec `s`, whose status at the valid time `at` is `status`, is a hit. */
static bool spec_matches(const proto_spec *s, uint32_t status, const query_filter *f,
                         const char *cc, uint64_t at)
{
    if (status != PROTO_STATUS_ACTIVE || !proto_valid_at(s->valid_from_ms, s->valid_until_ms, at))
        return false;
    if (cc != NULL && (s->id.len < 3 || memcmp(s->id.ptr, cc, 2) != 0 || s->id.ptr[2] != ':'))
        return false;
    if (f->provider.len > 0 && !proto_str_eq(s->provider, f->provider))
        return false;
    if (!eqf_within(s->eqf, f->eqf_min, f->eqf_max))
        return false;
    if (f->isced.len > 0 &&
        (s->isced.len < f->isced.len || memcmp(s->isced.ptr, f->isced.ptr, f->isced.len) != 0))
        return false;
    if (s->ects_centi < f->ects_min_centi)
        return false;
    if (f->text.len > 0) {
        bool found = false;
        for (uint32_t i = 0; i < s->title_n && !found; i++)
            found = contains_ci(s->title[i].text, f->text);
        if (!found)
            return false;
    }
    return true;
}

/* What a hit shows of spec `s` and `prov`, its provider's version as of at (query_hit). */
static void hit_describe(query_hit *h, const proto_spec *s, const proto_provider *prov)
{
    uint32_t t = 0;
    for (uint32_t i = 0; i < s->title_n; i++) {
        if (proto_str_eq(s->title[i].lang, proto_str_c("en"))) {
            t = i;
            break;
        }
    }
    RN_ASSERT(s->title_n > 0);
    copy_text(h->title, sizeof(h->title), s->title[t].text);
    copy_text(h->title_lang, sizeof(h->title_lang), s->title[t].lang);
    h->ects_centi = s->ects_centi;
    h->eqf = s->eqf;
    copy_id(h->provider_id, s->provider);
    copy_text(h->provider_name, sizeof(h->provider_name), prov->legal_name);
    h->provider_status = prov->status;
}

/* Chooses the runs of a search: the narrowest index the filter allows. */
static int runs_plan(store_read *r, search_state *st, const query_filter *f, const char *cc)
{
    uint8_t p[INDEX_KEY_MAX];
    enum store_db db;

    if (f->provider.len > 0) {
        db = STORE_DB_SPEC_PROV;
        size_t plen = key_id_prefix(p, f->provider);
        run_add(st, p, plen, plen);
    } else if (cc != NULL) {
        db = STORE_DB_VERSIONS;
        run_add(st, p, key_kind_country(p, PROTO_KIND_SPEC, cc), 1);
    } else if (f->isced.len > 0) {
        db = STORE_DB_SPEC_ISCED;
    } else {
        db = STORE_DB_VERSIONS;
        p[0] = PROTO_KIND_SPEC;
        run_add(st, p, 1, 1);
    }
    RN_TRY(cursor_open(r, db, &st->c));
    if (db == STORE_DB_SPEC_ISCED)
        RN_TRY(runs_isced(st, f->isced));
    return 0;
}

int query_search(store_read *r, const query_filter *f, uint64_t at_ms, proto_str after,
                 uint32_t limit, query_hit *hits, uint32_t *n, bool *more)
{
    return query_search_valid(r, f, at_ms, at_ms, after, limit, hits, n, more);
}

int query_search_valid(store_read *r, const query_filter *f, uint64_t at_ms, uint64_t valid_at_ms,
                       proto_str after, uint32_t limit, query_hit *hits, uint32_t *n, bool *more)
{
    const char *cc = NULL;
    uint64_t at = clamp_time(at_ms), valid = clamp_time(valid_at_ms);
    search_state *st = NULL;
    proto_record *rec = NULL;
    uint8_t cur[RN_ID_BYTES_MAX];
    size_t cur_len;
    int rc = 0;

    if (limit == 0 || limit > RN_SEARCH_RESULTS_MAX || hits == NULL || f == NULL)
        return RN_EINVAL;
    if (f->eqf_min > PROTO_EQF_MAX || f->eqf_max > PROTO_EQF_MAX ||
        (f->eqf_min != 0 && f->eqf_max != 0 && f->eqf_min > f->eqf_max))
        return RN_EINVAL;
    if (after.len > RN_ID_BYTES_MAX || f->provider.len > RN_ID_BYTES_MAX ||
        f->isced.len > RN_ID_BYTES_MAX)
        return RN_EINVAL;
    if (f->country.len > 0) {
        cc = country_canonical((const char *)f->country.ptr, f->country.len);
        if (cc == NULL)
            return RN_ECOUNTRY;
    }
    *n = 0;
    *more = false;
    st = calloc(1, sizeof(*st));
    rec = malloc(3 * sizeof(*rec)); /* the spec, its provider, a version of either */
    if (st == NULL || rec == NULL) {
        rc = RN_ENOMEM;
        goto out;
    }
    RN_GUARD(rc, runs_plan(r, st, f, cc));
    for (size_t i = 0; i < st->runs_n; i++)
        RN_GUARD(rc, run_seek(st, &st->runs[i], after.ptr, after.len));

    for (;;) {
        /* The smallest id at the head of any run. */
        run *min = NULL;
        for (size_t i = 0; i < st->runs_n; i++) {
            run *u = &st->runs[i];
            if (!u->done &&
                (min == NULL || bytes_cmp(u->head, u->head_len, min->head, min->head_len) < 0))
                min = u;
        }
        if (min == NULL)
            break;
        cur_len = min->head_len;
        memcpy(cur, min->head, cur_len);
        /* Advance every run at this id: a spec that changed field is in two ISCED-F runs. */
        for (size_t i = 0; i < st->runs_n; i++) {
            run *u = &st->runs[i];
            if (!u->done && bytes_cmp(u->head, u->head_len, cur, cur_len) == 0)
                RN_GUARD(rc, run_seek(st, u, cur, cur_len));
        }

        store_version v;
        rc = latest(r, PROTO_KIND_SPEC, cur, cur_len, at, &v, rec, NULL);
        if (rc == RN_ENOTFOUND)
            continue;
        if (rc < 0)
            goto out;
        uint32_t status;
        RN_GUARD(rc, status_at(r, PROTO_KIND_SPEC, &rec[0], &v, at, valid, &rec[2], &status));
        if (!spec_matches(&rec->u.spec, status, f, cc, valid))
            continue;
        /* A spec whose provider has no version as of at is no hit: recognise refuses it too
         * (query.h, query_search). */
        store_version pv;
        rc = latest_id(r, PROTO_KIND_PROVIDER, rec[0].u.spec.provider, at, &pv, &rec[1], NULL);
        if (rc == RN_ENOTFOUND)
            continue;
        if (rc < 0)
            goto out;
        if (*n == limit) {
            *more = true;
            break;
        }
        uint32_t pstatus;
        RN_GUARD(rc, status_at(r, PROTO_KIND_PROVIDER, &rec[1], &pv, at, valid, &rec[2], &pstatus));
        query_hit *h = &hits[(*n)++];
        memset(h, 0, sizeof(*h));
        copy_id(h->spec_id, (proto_str){ cur, (uint32_t)cur_len });
        set_ref(&h->entry, &v);
        hit_describe(h, &rec[0].u.spec, &rec[1].u.provider);
        h->provider_status = pstatus;
    }
    rc = 0;
out:
    if (st != NULL && st->c != NULL)
        mdb_cursor_close(st->c);
    free(st);
    free(rec);
    return rc;
}

/* ---- stack ---- */

static bool in_list(const proto_str *list, uint32_t n, proto_str id)
{
    for (uint32_t i = 0; i < n; i++)
        if (proto_str_eq(list[i], id))
            return true;
    return false;
}

static bool rule_present(const proto_pathway_rule *rule)
{
    return rule->eqf_min != 0 || rule->eqf_max != 0 || rule->isced_prefixes_n != 0 ||
           rule->issuer_countries_n != 0 || rule->ects_min_centi != 0;
}

/* Whether spec `s` meets the pathway's rule; loads its provider into *prov when the rule names
 * issuer countries. */
static int rule_meets(store_read *r, const proto_pathway_rule *rule, const proto_spec *s,
                      uint64_t at, proto_record *prov, bool *meets)
{
    *meets = false;
    if (!eqf_within(s->eqf, rule->eqf_min, rule->eqf_max))
        return 0;
    if (s->ects_centi < rule->ects_min_centi)
        return 0;
    bool ok = rule->isced_prefixes_n == 0;
    for (uint32_t k = 0; k < rule->isced_prefixes_n && !ok; k++)
        ok = proto_codes_isced_matches((const char *)s->isced.ptr, s->isced.len,
                                       (const char *)rule->isced_prefixes[k].ptr,
                                       rule->isced_prefixes[k].len);
    if (!ok)
        return 0;
    if (rule->issuer_countries_n > 0) {
        store_version v;
        int rc = latest_id(r, PROTO_KIND_PROVIDER, s->provider, at, &v, prov, NULL);
        if (rc == RN_ENOTFOUND)
            return 0;
        RN_TRY(rc);
        if (!in_list(rule->issuer_countries, rule->issuer_countries_n, prov->u.provider.country))
            return 0;
    }
    *meets = true;
    return 0;
}

int query_stack(store_read *r, const char *country, proto_str pathway_id, const proto_str *spec_ids,
                size_t n, uint64_t at_ms, query_stack_result *out)
{
    return query_stack_valid(r, country, pathway_id, spec_ids, n, at_ms, at_ms, out);
}

int query_stack_valid(store_read *r, const char *country, proto_str pathway_id,
                      const proto_str *spec_ids, size_t n, uint64_t at_ms, uint64_t valid_at_ms,
                      query_stack_result *out)
{
    uint64_t at = clamp_time(at_ms), valid = clamp_time(valid_at_ms);
    const char *cc;
    scratch *sc = NULL;
    store_version pv;
    int rc;

    if (n > RN_STACK_SPECS_MAX || (spec_ids == NULL && n > 0))
        return RN_EINVAL;
    cc = country_canonical(country, country != NULL ? 2 : 0);
    if (cc == NULL)
        return RN_ECOUNTRY;
    RN_TRY(proto_id_check(pathway_id.ptr, pathway_id.len));
    for (size_t i = 0; i < n; i++)
        RN_TRY(proto_id_check(spec_ids[i].ptr, spec_ids[i].len));
    sc = malloc(sizeof(*sc));
    if (sc == NULL)
        return RN_ENOMEM;
    memset(out, 0, sizeof(*out));

    RN_GUARD(rc, latest_id(r, PROTO_KIND_PATHWAY, pathway_id, at, &pv, &sc->a, NULL));
    if (memcmp(pathway_id.ptr, cc, 2) != 0) {
        rc = RN_EPREFIX;
        goto out;
    }
    const proto_pathway *pw = &sc->a.u.pathway;
    set_ref(&out->pathway, &pv);
    out->active = pw->status == PROTO_STATUS_ACTIVE &&
                  proto_valid_at(pw->valid_from_ms, pw->valid_until_ms, valid);
    out->ects_min_centi = pw->ects_min_centi;
    RN_GUARD(rc, author_forked(r, pv.author, &out->forked));

    out->items_n = (uint32_t)n;
    for (size_t i = 0; i < n; i++) {
        query_stack_item *it = &out->items[i];
        copy_id(it->spec_id, spec_ids[i]);
        size_t j = 0;
        while (j < i && !proto_str_eq(spec_ids[j], spec_ids[i]))
            j++;
        if (j < i) {
            *it = out->items[j];
            it->duplicate = true;
            continue;
        }
        store_version sv;
        rc = latest_id(r, PROTO_KIND_SPEC, spec_ids[i], at, &sv, &sc->b, NULL);
        if (rc == RN_ENOTFOUND) {
            it->status = QUERY_STACK_UNKNOWN;
            continue;
        }
        if (rc < 0)
            goto out;
        const proto_spec *s = &sc->b.u.spec;
        bool meets = false;
        it->ects_centi = s->ects_centi;
        uint32_t status;
        RN_GUARD(rc, status_at(r, PROTO_KIND_SPEC, &sc->b, &sv, at, valid, &sc->spec, &status));
        if (status != PROTO_STATUS_ACTIVE) {
            it->status = QUERY_STACK_WITHDRAWN;
        } else if (in_list(pw->mandatory, pw->mandatory_n, spec_ids[i])) {
            it->status = QUERY_STACK_MANDATORY;
        } else if (in_list(pw->eligible, pw->eligible_n, spec_ids[i])) {
            it->status = QUERY_STACK_ELIGIBLE;
        } else {
            if (rule_present(&pw->rule))
                RN_GUARD(rc, rule_meets(r, &pw->rule, s, at, &sc->provider, &meets));
            it->status = meets ? QUERY_STACK_RULE : QUERY_STACK_NOT_ELIGIBLE;
        }
        it->counted = it->status == QUERY_STACK_MANDATORY || it->status == QUERY_STACK_ELIGIBLE ||
                      it->status == QUERY_STACK_RULE;
        if (it->counted)
            out->total_ects_centi += s->ects_centi;
    }
    for (uint32_t m = 0; m < pw->mandatory_n; m++) {
        bool given = false;
        for (size_t i = 0; i < n && !given; i++)
            given = proto_str_eq(spec_ids[i], pw->mandatory[m]) &&
                    out->items[i].status != QUERY_STACK_WITHDRAWN;
        if (!given)
            copy_id(out->missing[out->missing_n++], pw->mandatory[m]);
    }
    out->complete =
        out->active && out->missing_n == 0 && out->total_ects_centi >= out->ects_min_centi;
    rc = 0;
out:
    free(sc);
    return rc;
}
