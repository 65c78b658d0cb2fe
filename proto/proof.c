/*
 * proof.c: encode, decode and verify proof bundles (see proof.h for the format and what a
 * verified bundle does and does not prove).
 *
 * Verification is written as the numbered steps of proof.h and PROTOCOL.md, in that order, so
 * that an auditor can hold the two side by side. Bundles are small (a handful of entries in
 * practice, RN_PROOF_ENTRIES_MAX at most), so clarity wins over speed everywhere except the
 * signature checks, which are libsodium's.
 */
#include "proof.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "codes.h"
#include "rules.h"

#define BUNDLE_FIELDS 4u

/* Query and answer map keys. */
enum { Q_SPEC = 1, Q_COUNTRY, Q_PURPOSE, Q_AT, Q_CREDENTIAL, Q_VALID_AT, Q_MAX = Q_VALID_AT };
enum {
    A_RESULT = 1,
    A_OUTCOME,
    A_BASIS_AUTHOR,
    A_BASIS_SEQ,
    A_FORKED,
    A_REVOKED,
    A_MAX = A_REVOKED
};

const char *proto_result_name(int result)
{
    switch (result) {
#define PROTO_X_RNAME(name, num, str)                                                              \
    case num:                                                                                      \
        return str;
        PROTO_RESULT_MAP(PROTO_X_RNAME)
#undef PROTO_X_RNAME
    default:
        return NULL;
    }
}

int proto_result_parse(const char *name)
{
    if (name == NULL)
        return RN_EENUM;
#define PROTO_X_RPARSE(name_, num, str)                                                            \
    if (strcmp(name, str) == 0)                                                                    \
        return num;
    PROTO_RESULT_MAP(PROTO_X_RPARSE)
#undef PROTO_X_RPARSE
    return RN_EENUM;
}

/* ---- Query and answer: shared by decode and encode ---- */

static int query_check(const proto_proof_query *q, rn_diag *d)
{
    int rc = proto_id_check(q->spec.ptr, q->spec.len);
    if (rc < 0)
        return rn_fail(d, rc, "proof.query.spec");
    if (!proto_country_is_canonical((const char *)q->country.ptr, q->country.len))
        return rn_fail(d, RN_ECOUNTRY, "proof.query.country");
    if (proto_enum_value_name(PROTO_ENUM_PURPOSE, q->purpose) == NULL)
        return rn_fail(d, RN_EENUM, "proof.query.purpose");
    if (q->at_ms > RN_TIME_MS_MAX)
        return rn_fail(d, RN_ETIME, "proof.query.at");
    if (q->has_valid_at && q->valid_at_ms > RN_TIME_MS_MAX)
        return rn_fail(d, RN_ETIME, "proof.query.valid_at");
    /* One spelling: a valid time equal to the known time is left out. */
    if (q->has_valid_at && q->valid_at_ms == q->at_ms)
        return rn_fail(d, RN_EINCONSISTENT, "proof.query.valid_at");
    return 0;
}

uint64_t proto_proof_valid_at(const proto_proof_query *q)
{
    return q->has_valid_at ? q->valid_at_ms : q->at_ms;
}

static int answer_check(const proto_proof_answer *a, const proto_proof_query *q, rn_diag *d)
{
    if (proto_result_name((int)a->result) == NULL)
        return rn_fail(d, RN_EENUM, "proof.answer.result");
    if (a->result == PROTO_RESULT_NO_DECISION) {
        if (a->outcome != 0)
            return rn_fail(d, RN_EINCONSISTENT, "proof.answer.outcome");
        if (a->basis_author != NULL)
            return rn_fail(d, RN_EINCONSISTENT, "proof.answer.basis_author");
        if (a->basis_seq != 0)
            return rn_fail(d, RN_EINCONSISTENT, "proof.answer.basis_seq");
    } else {
        if (a->outcome == 0)
            return rn_fail(d, RN_EMISSING, "proof.answer.outcome");
        if (proto_enum_value_name(PROTO_ENUM_OUTCOME, a->outcome) == NULL)
            return rn_fail(d, RN_EENUM, "proof.answer.outcome");
        if (a->basis_author == NULL)
            return rn_fail(d, RN_EMISSING, "proof.answer.basis_author");
        if (a->basis_seq == 0)
            return rn_fail(d, RN_EMISSING, "proof.answer.basis_seq");
        if (a->basis_seq > RN_SEQ_MAX)
            return rn_fail(d, RN_ESEQ, "proof.answer.basis_seq");
    }
    if (a->has_revoked != (q->credential != NULL))
        return rn_fail(d, RN_EINCONSISTENT, "proof.answer.revoked");
    return 0;
}

/* Reads the next key of a map whose previous key was *last; checks order and range. */
static int map_key(mp_cur *c, uint64_t *last, uint64_t max, uint64_t *key)
{
    RN_TRY(mp_read_uint(c, key));
    if (*key <= *last)
        return RN_EFIELDORDER;
    if (*key > max)
        return RN_EUNKNOWNFIELD;
    *last = *key;
    return 0;
}

static int decode_query(mp_cur *c, proto_proof_query *q, rn_diag *d)
{
    uint32_t n;
    uint64_t key, last = 0, v;
    unsigned seen = 0;

    memset(q, 0, sizeof(*q));
    RN_FIELD(d, mp_read_map(c, &n), "proof.query");
    if (n > Q_MAX)
        return rn_fail(d, RN_ECOUNT, "proof.query");
    for (uint32_t i = 0; i < n; i++) {
        RN_FIELD(d, map_key(c, &last, Q_MAX, &key), "proof.query");
        seen |= 1u << key;
        switch (key) {
        case Q_SPEC:
            RN_FIELD(d, mp_read_str(c, &q->spec.ptr, &q->spec.len), "proof.query.spec");
            break;
        case Q_COUNTRY:
            RN_FIELD(d, mp_read_str(c, &q->country.ptr, &q->country.len), "proof.query.country");
            break;
        case Q_PURPOSE:
            RN_FIELD(d, mp_read_uint(c, &v), "proof.query.purpose");
            if (v > UINT32_MAX)
                return rn_fail(d, RN_EENUM, "proof.query.purpose");
            q->purpose = (uint32_t)v;
            break;
        case Q_AT:
            RN_FIELD(d, mp_read_uint(c, &q->at_ms), "proof.query.at");
            break;
        case Q_CREDENTIAL:
            RN_FIELD(d, mp_read_bin_exact(c, &q->credential, PROTO_DIGEST_BYTES),
                     "proof.query.credential");
            break;
        case Q_VALID_AT:
            RN_FIELD(d, mp_read_uint(c, &q->valid_at_ms), "proof.query.valid_at");
            q->has_valid_at = true;
            break;
        default:
            RN_ASSERT(0);
        }
    }
    static const char *const names[] = { NULL, "proof.query.spec", "proof.query.country",
                                         "proof.query.purpose", "proof.query.at" };
    for (unsigned k = Q_SPEC; k <= Q_AT; k++)
        if (!(seen & (1u << k)))
            return rn_fail(d, RN_EMISSING, names[k]);
    return query_check(q, d);
}

static int decode_answer(mp_cur *c, proto_proof_answer *a, const proto_proof_query *q, rn_diag *d)
{
    uint32_t n;
    uint64_t key, last = 0, v;
    unsigned seen = 0;

    memset(a, 0, sizeof(*a));
    RN_FIELD(d, mp_read_map(c, &n), "proof.answer");
    if (n > A_MAX)
        return rn_fail(d, RN_ECOUNT, "proof.answer");
    for (uint32_t i = 0; i < n; i++) {
        RN_FIELD(d, map_key(c, &last, A_MAX, &key), "proof.answer");
        seen |= 1u << key;
        switch (key) {
        case A_RESULT:
            RN_FIELD(d, mp_read_uint(c, &v), "proof.answer.result");
            a->result = v > UINT32_MAX ? 0 : (uint32_t)v;
            if (a->result == 0)
                return rn_fail(d, RN_EENUM, "proof.answer.result");
            break;
        case A_OUTCOME:
            RN_FIELD(d, mp_read_uint(c, &v), "proof.answer.outcome");
            if (proto_enum_value_name(PROTO_ENUM_OUTCOME, v) == NULL)
                return rn_fail(d, RN_EENUM, "proof.answer.outcome");
            a->outcome = (uint32_t)v;
            break;
        case A_BASIS_AUTHOR:
            RN_FIELD(d, mp_read_bin_exact(c, &a->basis_author, PROTO_KEY_BYTES),
                     "proof.answer.basis_author");
            break;
        case A_BASIS_SEQ:
            RN_FIELD(d, mp_read_uint(c, &a->basis_seq), "proof.answer.basis_seq");
            if (a->basis_seq == 0 || a->basis_seq > RN_SEQ_MAX)
                return rn_fail(d, RN_ESEQ, "proof.answer.basis_seq");
            break;
        case A_FORKED:
            RN_FIELD(d, mp_read_bool(c, &a->forked), "proof.answer.forked");
            break;
        case A_REVOKED:
            RN_FIELD(d, mp_read_bool(c, &a->revoked), "proof.answer.revoked");
            a->has_revoked = true;
            break;
        default:
            RN_ASSERT(0);
        }
    }
    if (!(seen & (1u << A_RESULT)))
        return rn_fail(d, RN_EMISSING, "proof.answer.result");
    if (!(seen & (1u << A_FORKED)))
        return rn_fail(d, RN_EMISSING, "proof.answer.forked");
    return answer_check(a, q, d);
}

int proto_proof_decode(proto_proof *p, const uint8_t *buf, size_t len, rn_diag *d)
{
    mp_cur c;
    uint32_t n;
    uint64_t version;

    if (len > RN_PROOF_WITNESSED_BYTES_MAX)
        return rn_fail(d, RN_ETOOBIG, "proof");
    mp_cur_init(&c, buf, len);
    RN_FIELD(d, mp_read_array(&c, &n), "proof");
    if (n != BUNDLE_FIELDS && n != BUNDLE_FIELDS + 1u)
        return rn_fail(d, RN_ECOUNT, "proof");
    RN_FIELD(d, mp_read_uint(&c, &version), "proof.version");
    /* Version 1 is 4 elements, version 2 (witnessed, checkpoint.h) 5. */
    if (version != (n == BUNDLE_FIELDS ? PROTO_PROOF_VERSION : PROTO_PROOF_VERSION_WITNESSED))
        return rn_fail(d, RN_EVERSION, "proof.version");
    if (version == PROTO_PROOF_VERSION && len > RN_PROOF_BYTES_MAX)
        return rn_fail(d, RN_ETOOBIG, "proof");
    p->version = (uint32_t)version;
    p->checkpoints_n = 0;
    RN_TRY(decode_query(&c, &p->query, d));
    RN_TRY(decode_answer(&c, &p->answer, &p->query, d));
    RN_FIELD(d, mp_read_array(&c, &n), "proof.entries");
    if (n < 2 || n > RN_PROOF_ENTRIES_MAX)
        return rn_fail(d, RN_ECOUNT, "proof.entries");
    p->entries_n = n;
    for (uint32_t i = 0; i < n; i++) {
        proto_str *e = &p->entries[i];
        int rc = mp_read_bin(&c, &e->ptr, &e->len);
        if (rc < 0)
            return rn_fail_at(d, rc, "proof.entries", i + 1);
        if (e->len > RN_ENTRY_BYTES_MAX)
            return rn_fail_at(d, RN_ETOOBIG, "proof.entries", i + 1);
    }
    if (version == PROTO_PROOF_VERSION_WITNESSED)
        RN_TRY(proto_proof_checkpoints_read(&c, p, d));
    if (c.p != c.end)
        return rn_fail(d, RN_ETRAILING, "proof");
    return 0;
}

/* ---- Verification ---- */

char *proto_proof_diag_format(const rn_diag *d, char *buf, size_t len)
{
    if (len == 0)
        return buf;
    if (d->index == 0) {
        rn_diag_format(d, buf, len);
    } else if (d->field == NULL) {
        snprintf(buf, len, "entry %u: %s", d->index, rn_strerror(d->code));
    } else {
        snprintf(buf, len, "entry %u: %s: %s", d->index, d->field, rn_strerror(d->code));
    }
    return buf;
}

/* An entry the answer rests on, decoded. */
typedef struct role {
    int i; /* position in the bundle, -1 while unfilled */
    proto_entry e;
    proto_record r;
} role;

typedef struct roles {
    role spec, provider, basis, revocation;
} roles;

/* Orders entries by author key bytes, then seq. */
static int entry_cmp(const proto_entry *a, const proto_entry *b)
{
    int c = memcmp(a->author, b->author, PROTO_KEY_BYTES);
    if (c != 0)
        return c;
    return a->seq < b->seq ? -1 : a->seq > b->seq ? 1 : 0;
}

/* Step 3: the one role entry i fills. Records it in `ro` or fails with RN_EPROOF. */
static int assign_role(roles *ro, const proto_proof *p, const proto_entry *e, const proto_record *r,
                       size_t i, rn_diag *d)
{
    const proto_proof_answer *a = &p->answer;
    bool at_basis = a->basis_author != NULL && a->basis_seq == e->seq &&
                    memcmp(a->basis_author, e->author, PROTO_KEY_BYTES) == 0;
    role *slot = NULL;
    const char *field = "proof.entries"; /* an entry with no role */

    switch (e->kind) {
    case PROTO_KIND_SPEC:
        if (proto_str_eq(r->u.spec.id, p->query.spec)) {
            slot = &ro->spec;
            field = "proof.spec";
        }
        break;
    case PROTO_KIND_PROVIDER:
        slot = &ro->provider;
        field = "proof.provider";
        break;
    case PROTO_KIND_DECISION:
        if (at_basis && a->result == PROTO_RESULT_DECISION) {
            slot = &ro->basis;
            field = "proof.basis";
        }
        break;
    case PROTO_KIND_POLICY:
        if (at_basis && a->result == PROTO_RESULT_AUTOMATIC) {
            slot = &ro->basis;
            field = "proof.basis";
        }
        break;
    case PROTO_KIND_REVOCATION:
        if (a->has_revoked && a->revoked) {
            slot = &ro->revocation;
            field = "proof.revocation";
        }
        break;
    case PROTO_KIND_PATHWAY:
    default:
        break;
    }
    /* No role for this entry, or its role is already filled. */
    if (slot == NULL || slot->i >= 0)
        return rn_fail_at(d, RN_EPROOF, field, i + 1);
    if (e->timestamp_ms > p->query.at_ms)
        return rn_fail_at(d, RN_EPROOF, "entry.timestamp", i + 1);
    slot->i = (int)i;
    slot->e = *e;
    slot->r = *r;
    return 0;
}

/* Step 4 for a decision: the terms the query engine also applies (rules.h), then the outcome. */
static int check_decision(const proto_decision *dec, const proto_proof *p, size_t idx, rn_diag *d)
{
    const char *unmet =
        proto_decision_unmet(dec, p->query.spec, p->query.purpose, proto_proof_valid_at(&p->query));
    if (unmet != NULL)
        return rn_fail_at(d, RN_EPROOF, unmet, idx);
    if (dec->outcome != p->answer.outcome)
        return rn_fail_at(d, RN_EPROOF, "decision.outcome", idx);
    return 0;
}

/* Step 4 for a policy: its own terms and its conditions against the spec and its provider, as
 * the query engine applies them (rules.h), then the outcome. */
static int check_policy(const proto_policy *pol, const proto_spec *spec, const proto_provider *prov,
                        const proto_proof *p, size_t idx, rn_diag *d)
{
    const char *unmet = proto_policy_unmet(pol, p->query.purpose, proto_proof_valid_at(&p->query));
    if (unmet == NULL)
        unmet = proto_policy_conditions_unmet(pol, spec, prov);
    if (unmet != NULL)
        return rn_fail_at(d, RN_EPROOF, unmet, idx);
    if (pol->outcome != p->answer.outcome)
        return rn_fail_at(d, RN_EPROOF, "policy.outcome", idx);
    return 0;
}

/* Steps 2-5 on a decoded bundle. `ro` is the caller's scratch (it is large). */
static int verify_entries(const proto_proof *p, const proto_roster *roster, roles *ro, rn_diag *d)
{
    proto_entry e, prev;
    proto_record r;
    int rc;

    ro->spec.i = ro->provider.i = ro->basis.i = ro->revocation.i = -1;
    /* Step 2, then step 3 as each entry is read. */
    for (uint32_t i = 0; i < p->entries_n; i++) {
        const proto_str *raw = &p->entries[i];
        rc = proto_entry_decode(&e, raw->ptr, raw->len, d);
        if (rc < 0)
            return rn_fail_at(d, rc, d != NULL ? d->field : NULL, i + 1);
        if (i > 0) {
            int cmp = entry_cmp(&prev, &e);
            if (cmp == 0)
                return rn_fail_at(d, RN_EDUPLICATE, "proof.entries", i + 1);
            if (cmp > 0)
                return rn_fail_at(d, RN_EFIELDORDER, "proof.entries", i + 1);
        }
        prev = e;
        const proto_member *m = proto_roster_find(roster, e.author);
        if (m == NULL)
            return rn_fail_at(d, RN_EROSTER, "entry.author", i + 1);
        if (m->role != PROTO_ROLE_AUTHORITY)
            return rn_fail_at(d, RN_EROLE, "entry.author", i + 1);
        if (proto_entry_verify(&e) != 0)
            return rn_fail_at(d, RN_ESIG, "entry.signature", i + 1);
        rc = proto_record_decode(&r, e.kind, e.body, e.body_len, d);
        if (rc < 0)
            return rn_fail_at(d, rc, d != NULL ? d->field : NULL, i + 1);
        rc = proto_record_check_author(&r, m->country, d);
        if (rc < 0)
            return rn_fail_at(d, rc, d != NULL ? d->field : NULL, i + 1);
        RN_TRY(assign_role(ro, p, &e, &r, i, d));
    }

    /* Step 3: the roles the answer needs are filled, and only those. */
    if (ro->spec.i < 0)
        return rn_fail(d, RN_EPROOF, "proof.spec");
    if (ro->provider.i < 0)
        return rn_fail(d, RN_EPROOF, "proof.provider");
    if (!proto_str_eq(ro->provider.r.u.provider.id, ro->spec.r.u.spec.provider))
        return rn_fail_at(d, RN_EPROOF, "proof.provider", (size_t)ro->provider.i + 1);
    if (p->answer.result != PROTO_RESULT_NO_DECISION && ro->basis.i < 0)
        return rn_fail(d, RN_EPROOF, "proof.basis");
    if (p->answer.has_revoked && p->answer.revoked && ro->revocation.i < 0)
        return rn_fail(d, RN_EPROOF, "proof.revocation");

    /* Step 4: the basis supports the answer. */
    if (ro->basis.i >= 0) {
        size_t idx = (size_t)ro->basis.i + 1;
        const proto_member *auth = proto_roster_authority(
            roster, (const char *)p->query.country.ptr, p->query.country.len);
        if (auth == NULL || memcmp(auth->key, ro->basis.e.author, PROTO_KEY_BYTES) != 0)
            return rn_fail_at(d, RN_EPROOF, "proof.answer.basis_author", idx);
        if (p->answer.result == PROTO_RESULT_DECISION)
            RN_TRY(check_decision(&ro->basis.r.u.decision, p, idx, d));
        else
            RN_TRY(check_policy(&ro->basis.r.u.policy, &ro->spec.r.u.spec,
                                &ro->provider.r.u.provider, p, idx, d));
    }

    /* Step 5: the revocation is of this credential, from this provider, in time. */
    if (ro->revocation.i >= 0) {
        const proto_revocation *rv = &ro->revocation.r.u.revocation;
        size_t idx = (size_t)ro->revocation.i + 1;
        if (memcmp(rv->credential, p->query.credential, PROTO_DIGEST_BYTES) != 0)
            return rn_fail_at(d, RN_EPROOF, "revocation.credential", idx);
        if (!proto_str_eq(rv->provider, ro->spec.r.u.spec.provider))
            return rn_fail_at(d, RN_EPROOF, "revocation.provider", idx);
        if (!proto_revoked_at(rv->revoked_at_ms, proto_proof_valid_at(&p->query)))
            return rn_fail_at(d, RN_EPROOF, "revocation.revoked_at", idx);
    }
    return 0;
}

int proto_proof_verify(const uint8_t *buf, size_t len, const proto_roster *roster, proto_proof *out,
                       rn_diag *d)
{
    proto_proof local;
    proto_proof *p = out != NULL ? out : &local;
    roles *ro;
    int rc;

    /* Step 1. */
    RN_TRY(proto_proof_decode(p, buf, len, d));
    /* The four decoded records are some 30 KiB: too much for the stack of a libuv worker or a
     * fuzzer's thread to take for granted. */
    ro = malloc(sizeof(*ro));
    if (ro == NULL)
        return rn_fail(d, RN_ENOMEM, "proof");
    rc = verify_entries(p, roster, ro, d);
    free(ro);
    /* Step 6, witnessed bundles: their checkpoints (checkpoint.h; no witnesses or age asked). */
    if (rc == 0 && p->version == PROTO_PROOF_VERSION_WITNESSED)
        rc = proto_proof_checkpoints_check(p, roster, NULL, NULL, d);
    return rc;
}

/* ---- Encoding ---- */

typedef struct sorted_entry {
    proto_entry e;
    uint32_t i; /* position in the caller's list */
} sorted_entry;

#define ENCODE_ON_STACK 4u

/* proto_proof_encode and proto_proof_encode_held: `held` says the entries were decoded strictly
 * before and are known unchanged, so their outline (author, seq) is read with
 * proto_entry_decode_known instead of a strict walk of every body. */
static int encode(const proto_proof *p, bool held, mp_buf *b, rn_diag *d)
{
    const proto_proof_query *q = &p->query;
    const proto_proof_answer *a = &p->answer;
    size_t saved_len = b->len;
    int saved_err = b->err;
    sorted_entry on_stack[ENCODE_ON_STACK];
    sorted_entry *sorted = NULL;
    proto_proof check;
    int rc = 0;

    if (p->entries_n < 2 || p->entries_n > RN_PROOF_ENTRIES_MAX) {
        rc = rn_fail(d, RN_EINVAL, "proof.entries");
        goto out;
    }
    RN_GUARD(rc, query_check(q, d));
    RN_GUARD(rc, answer_check(a, q, d));
    /* A recognise's bundle has at most four entries: on the stack, the rest on the heap. */
    sorted = p->entries_n <= ENCODE_ON_STACK ? on_stack : calloc(p->entries_n, sizeof(*sorted));
    if (sorted == NULL) {
        rc = rn_fail(d, RN_ENOMEM, "proof");
        goto out;
    }
    for (uint32_t i = 0; i < p->entries_n; i++) {
        const proto_str *x = &p->entries[i];
        if ((held ? proto_entry_decode_known(&sorted[i].e, x->ptr, x->len)
                  : proto_entry_decode(&sorted[i].e, x->ptr, x->len, NULL)) != 0) {
            rc = rn_fail_at(d, RN_EINVAL, "proof.entries", i + 1);
            goto out;
        }
        sorted[i].i = i;
    }
    /* Stable insertion sort: a handful of entries (qsort's call per comparison cost more). */
    for (uint32_t i = 1; i < p->entries_n; i++) {
        sorted_entry x = sorted[i];
        uint32_t j = i;
        for (; j > 0 && entry_cmp(&sorted[j - 1].e, &x.e) > 0; j--)
            sorted[j] = sorted[j - 1];
        sorted[j] = x;
    }
    for (uint32_t i = 1; i < p->entries_n; i++) {
        if (entry_cmp(&sorted[i - 1].e, &sorted[i].e) == 0) {
            rc = rn_fail_at(d, RN_EDUPLICATE, "proof.entries", sorted[i].i + 1);
            goto out;
        }
    }

    mp_put_array(b, BUNDLE_FIELDS);
    mp_put_uint(b, PROTO_PROOF_VERSION);
    mp_put_map(b, 4u + (q->credential != NULL ? 1u : 0u) + (q->has_valid_at ? 1u : 0u));
    mp_put_uint(b, Q_SPEC);
    mp_put_str(b, q->spec.ptr, q->spec.len);
    mp_put_uint(b, Q_COUNTRY);
    mp_put_str(b, q->country.ptr, q->country.len);
    mp_put_uint(b, Q_PURPOSE);
    mp_put_uint(b, q->purpose);
    mp_put_uint(b, Q_AT);
    mp_put_uint(b, q->at_ms);
    if (q->credential != NULL) {
        mp_put_uint(b, Q_CREDENTIAL);
        mp_put_bin(b, q->credential, PROTO_DIGEST_BYTES);
    }
    if (q->has_valid_at) {
        mp_put_uint(b, Q_VALID_AT);
        mp_put_uint(b, q->valid_at_ms);
    }
    bool basis = a->result != PROTO_RESULT_NO_DECISION;
    mp_put_map(b, 2u + (basis ? 3u : 0u) + (a->has_revoked ? 1u : 0u));
    mp_put_uint(b, A_RESULT);
    mp_put_uint(b, a->result);
    if (basis) {
        mp_put_uint(b, A_OUTCOME);
        mp_put_uint(b, a->outcome);
        mp_put_uint(b, A_BASIS_AUTHOR);
        mp_put_bin(b, a->basis_author, PROTO_KEY_BYTES);
        mp_put_uint(b, A_BASIS_SEQ);
        mp_put_uint(b, a->basis_seq);
    }
    mp_put_uint(b, A_FORKED);
    mp_put_bool(b, a->forked);
    if (a->has_revoked) {
        mp_put_uint(b, A_REVOKED);
        mp_put_bool(b, a->revoked);
    }
    mp_put_array(b, p->entries_n);
    for (uint32_t i = 0; i < p->entries_n; i++)
        mp_put_bin(b, sorted[i].e.bytes, sorted[i].e.len);
    rc = mp_buf_err(b);
    if (rc < 0) {
        rn_fail(d, rc, "proof");
        goto out;
    }
    if (b->len - saved_len > RN_PROOF_BYTES_MAX) {
        rc = rn_fail(d, RN_ETOOBIG, "proof");
        goto out;
    }
    /* Pair assertion: what we wrote is a bundle every reader decodes. */
    RN_ASSERT(proto_proof_decode(&check, b->data + saved_len, b->len - saved_len, NULL) == 0);
out:
    if (sorted != on_stack)
        free(sorted);
    if (rc != 0) {
        b->len = saved_len;
        b->err = saved_err;
    }
    return rc;
}

int proto_proof_encode(const proto_proof *p, mp_buf *b, rn_diag *d)
{
    return encode(p, false, b, d);
}

int proto_proof_encode_held(const proto_proof *p, mp_buf *b, rn_diag *d)
{
    return encode(p, true, b, d);
}
