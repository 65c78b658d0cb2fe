/*
 * report.c: the federation report (report.h), from the public store API only.
 *
 * The walk keeps, per log, the entries stamped at or before `at` (timestamps never decrease along
 * a log, so the walk of a log stops at the first one after it) that are the latest version of
 * their record as known at `at`. Policies and pathways are counted as they are met, their dates
 * evaluated at the valid time. Providers, specs and decisions need what other records say (a
 * provider's or a spec's earlier versions for its status at the valid time; a pathway listing a
 * spec; a later decision superseding an earlier one), so the walk keeps a small line for each,
 * and the counts are made once every log is read: the statuses by query_status_valid (which reads
 * nothing when the valid time is at or after the latest version, as it is for valid = known),
 * the id lists sorted and searched. The rules are those of proto/rules.h, as the queries apply
 * them.
 */
#include "store/report.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "proto/entry.h"
#include "proto/limits.h"
#include "proto/record.h"
#include "proto/rules.h"
#include "store/query.h"

typedef char report_id[RN_ID_BYTES_MAX + 1];

/* A decision in force, kept until the end of the walk. */
typedef struct line {
    report_id id;
    report_id supersedes; /* "" for none */
    uint32_t country;
    uint32_t outcome;
} line;

/* The latest version of a provider or a spec, kept until the end of the walk: a spec whose
 * status at the valid time is its own and active, or any of them whose status at the valid time
 * needs its history (the valid time is before that version's entry). */
typedef struct kept {
    report_id id;
    store_version ver; /* the latest version */
    uint32_t country;
    uint32_t status; /* the latest version's own */
    proto_kind kind;
    bool history; /* the status at the valid time is to be found in the history */
    bool eqf, external;
} kept;

typedef struct walk {
    store_read *r;
    uint64_t at;    /* known at: which entries count */
    uint64_t valid; /* valid at: when dates and statuses are evaluated */
    report *out;
    proto_record *rec;
    const uint8_t *author;
    kept *records; /* providers and specs */
    line *decisions;
    size_t records_n, records_cap, decisions_n, decisions_cap;
    report_id *listed; /* spec ids listed by pathways in force */
    size_t listed_n, listed_cap;
    uint32_t qa_external; /* the number of "external" in PROTO_VOCAB_QA */
} walk;

static void id_copy(report_id dst, proto_str s)
{
    size_t n = s.len < RN_ID_BYTES_MAX ? s.len : RN_ID_BYTES_MAX;
    memcpy(dst, s.ptr, n);
    dst[n] = '\0';
}

static int country_of(proto_str id)
{
    if (id.len < 3 || id.ptr[2] != ':')
        return -1;
    for (size_t i = 0; i < PROTO_COUNTRIES_COUNT; i++)
        if (memcmp(proto_country_at(i)->alpha2, id.ptr, 2) == 0)
            return (int)i;
    return -1;
}

/* Room for one more element of `size` bytes in *arr (n used of *cap). */
static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap == 0 ? 16 : *cap * 2;
    void *p = realloc(*arr, c * size);
    if (p == NULL)
        return RN_ENOMEM;
    *arr = p;
    *cap = c;
    return 0;
}

static int list_add(walk *w, const proto_str *ids, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        RN_TRY(grow((void **)&w->listed, &w->listed_cap, w->listed_n, sizeof(report_id)));
        id_copy(w->listed[w->listed_n++], ids[i]);
    }
    return 0;
}

/* A provider's or a spec's latest version, kept for the end; *out is the line. */
static int keep(walk *w, const proto_entry *e, const store_version *v, int ci, proto_str id,
                uint32_t status, kept **out)
{
    RN_TRY(grow((void **)&w->records, &w->records_cap, w->records_n, sizeof(kept)));
    kept *k = &w->records[w->records_n++];
    memset(k, 0, sizeof(*k));
    id_copy(k->id, id);
    k->ver = *v;
    k->country = (uint32_t)ci;
    k->status = status;
    k->kind = e->kind;
    k->history = w->valid < v->timestamp_ms;
    *out = k;
    return 0;
}

/* One record's latest version as known at `at` (entry `v`): counted, or kept for the end. A
 * provider's or spec's status at a valid time at or after its latest version's entry is that
 * version's own (proto/rules.h, proto_status_walk), so only the others need their history: with
 * valid = known, none does. */
static int tally(walk *w, const proto_entry *e, const store_version *v, int ci)
{
    report_country *c = &w->out->c[ci];
    const proto_record *rec = w->rec;
    bool history = w->valid < v->timestamp_ms;
    kept *k;
    switch (e->kind) {
    case PROTO_KIND_PROVIDER: {
        uint32_t status = rec->u.provider.status;
        if (history)
            return keep(w, e, v, ci, rec->u.provider.id, status, &k);
        c->providers += status != PROTO_PROVIDER_WITHDRAWN ? 1u : 0u;
        return 0;
    }
    case PROTO_KIND_SPEC: {
        const proto_spec *s = &rec->u.spec;
        if (!history && s->status != PROTO_STATUS_ACTIVE)
            return 0;
        RN_TRY(keep(w, e, v, ci, s->id, s->status, &k));
        k->eqf = s->eqf != 0;
        k->external = s->qa_type == w->qa_external;
        return 0;
    }
    case PROTO_KIND_DECISION: {
        const proto_decision *d = &rec->u.decision;
        if (!proto_valid_at(d->valid_from_ms, d->valid_until_ms, w->valid) || d->outcome == 0 ||
            d->outcome > REPORT_OUTCOMES)
            return 0;
        RN_TRY(grow((void **)&w->decisions, &w->decisions_cap, w->decisions_n, sizeof(line)));
        line *l = &w->decisions[w->decisions_n++];
        memset(l, 0, sizeof(*l));
        id_copy(l->id, d->id);
        if (d->supersedes.len > 0)
            id_copy(l->supersedes, d->supersedes);
        l->country = (uint32_t)ci;
        l->outcome = d->outcome;
        return 0;
    }
    case PROTO_KIND_POLICY: {
        const proto_policy *p = &rec->u.policy;
        if (p->status != PROTO_STATUS_ACTIVE ||
            !proto_valid_at(p->valid_from_ms, p->valid_until_ms, w->valid) || p->outcome == 0 ||
            p->outcome > REPORT_OUTCOMES)
            return 0;
        c->policies++;
        c->policy_outcomes[p->outcome - 1]++;
        return 0;
    }
    case PROTO_KIND_PATHWAY: {
        const proto_pathway *p = &rec->u.pathway;
        if (p->status != PROTO_STATUS_ACTIVE ||
            !proto_valid_at(p->valid_from_ms, p->valid_until_ms, w->valid))
            return 0;
        c->pathways++;
        RN_TRY(list_add(w, p->mandatory, p->mandatory_n));
        return list_add(w, p->eligible, p->eligible_n);
    }
    default:
        return 0;
    }
}

/* Stops the walk of a log (not an error) at the first entry after `at`. */
#define WALK_PAST_AT 1

static int on_entry(void *ctx, uint64_t seq, const uint8_t *bytes, size_t len)
{
    walk *w = ctx;
    proto_entry e;
    if (proto_entry_decode_known(&e, bytes, len) != 0)
        return RN_ECORRUPT;
    if (e.timestamp_ms > w->at)
        return WALK_PAST_AT;
    if (e.kind == PROTO_KIND_REVOCATION || !proto_kind_is_registry(e.kind))
        return 0; /* roster and succession entries state nothing about a registry */
    if (proto_record_decode(w->rec, e.kind, e.body, e.body_len, NULL) != 0)
        return RN_ECORRUPT;
    proto_str id = proto_record_id(w->rec);
    int ci = country_of(id);
    if (ci < 0)
        return 0;
    store_version v;
    int rc = store_version_get(w->r, e.kind, id.ptr, id.len, w->at, &v);
    if (rc == RN_ENOTFOUND)
        return 0;
    RN_TRY(rc);
    if (v.seq != seq || memcmp(v.author, w->author, PROTO_KEY_BYTES) != 0)
        return 0; /* a later version, or another branch of a fork, is in force */
    return tally(w, &e, &v, ci);
}

static int id_cmp(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static bool listed(const walk *w, const char *id)
{
    return w->listed_n > 0 &&
           bsearch(id, w->listed, w->listed_n, sizeof(report_id), id_cmp) != NULL;
}

/* The ids the decisions in force supersede, sorted (a decision supersedes one of its own
 * authority's: the same country prefix, and each country has one authority). */
static int superseded_ids(const walk *w, report_id **out, size_t *n)
{
    *n = 0;
    *out = w->decisions_n > 0 ? malloc(w->decisions_n * sizeof(report_id)) : NULL;
    if (w->decisions_n > 0 && *out == NULL)
        return RN_ENOMEM;
    for (size_t i = 0; i < w->decisions_n; i++)
        if (w->decisions[i].supersedes[0] != '\0')
            memcpy((*out)[(*n)++], w->decisions[i].supersedes, sizeof(report_id));
    if (*n > 0)
        qsort(*out, *n, sizeof(report_id), id_cmp);
    return 0;
}

/* The providers and specs kept: counted by their status at the valid time. */
static int count_records(walk *w, proto_record *tmp)
{
    for (size_t i = 0; i < w->records_n; i++) {
        const kept *l = &w->records[i];
        report_country *c = &w->out->c[l->country];
        uint32_t status = l->status;
        proto_str rid = { (const uint8_t *)l->id, (uint32_t)strlen(l->id) };
        if (l->history)
            RN_TRY(query_status_valid(w->r, l->kind, rid, &l->ver, l->status, w->at, w->valid, tmp,
                                      &status));
        if (l->kind == PROTO_KIND_PROVIDER) {
            c->providers += status != 0 && status != PROTO_PROVIDER_WITHDRAWN ? 1u : 0u;
            continue;
        }
        RN_ASSERT(l->kind == PROTO_KIND_SPEC);
        if (status != PROTO_STATUS_ACTIVE)
            continue;
        c->specs++;
        c->specs_eqf += l->eqf ? 1u : 0u;
        c->specs_external_qa += l->external ? 1u : 0u;
        c->specs_stackable += listed(w, l->id) ? 1u : 0u;
    }
    return 0;
}

int report_compute(store_read *r, uint64_t at_ms, report *out)
{
    return report_compute_valid(r, at_ms, at_ms, out);
}

int report_compute_valid(store_read *r, uint64_t at_ms, uint64_t valid_at_ms, report *out)
{
    memset(out, 0, sizeof(*out));
    walk w;
    memset(&w, 0, sizeof(w));
    w.r = r;
    w.at = at_ms;
    w.valid = valid_at_ms;
    w.out = out;
    for (uint32_t n = 1; proto_codes_vocab_name(PROTO_VOCAB_QA, n) != NULL; n++)
        if (strcmp(proto_codes_vocab_name(PROTO_VOCAB_QA, n), "external") == 0)
            w.qa_external = n;
    int rc = 0;
    store_head *heads = NULL;
    size_t heads_n = 0;
    w.rec = malloc(2 * sizeof(*w.rec)); /* the entry's record, and a scratch for the statuses */
    if (w.rec == NULL)
        return RN_ENOMEM;
    /* Every head: ask for the count first, then for them all. */
    rc = store_heads(r, NULL, 0, &heads_n);
    if (rc == 0 && heads_n > 0) {
        heads = calloc(heads_n, sizeof(*heads));
        size_t again = 0;
        rc = heads == NULL ? RN_ENOMEM : store_heads(r, heads, heads_n, &again);
        if (rc == 0 && again < heads_n)
            heads_n = again;
    }
    for (size_t i = 0; rc == 0 && i < heads_n; i++) {
        size_t got = 0;
        w.author = heads[i].author;
        rc = store_entries_range(r, heads[i].author, 1, SIZE_MAX, SIZE_MAX, on_entry, &w, &got);
        if (rc == WALK_PAST_AT)
            rc = 0;
    }
    if (rc == 0) {
        if (w.listed_n > 0)
            qsort(w.listed, w.listed_n, sizeof(report_id), id_cmp);
        rc = count_records(&w, &w.rec[1]);
    }
    if (rc == 0) {
        report_id *sup = NULL;
        size_t sup_n = 0;
        rc = superseded_ids(&w, &sup, &sup_n);
        for (size_t i = 0; rc == 0 && i < w.decisions_n; i++) {
            const line *d = &w.decisions[i];
            if (sup_n > 0 && bsearch(d->id, sup, sup_n, sizeof(report_id), id_cmp) != NULL)
                continue;
            out->c[d->country].decisions++;
            out->c[d->country].decision_outcomes[d->outcome - 1]++;
        }
        free(sup);
    }
    free(heads);
    free(w.rec);
    free(w.records);
    free(w.decisions);
    free(w.listed);
    return rc;
}
