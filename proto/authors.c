/*
 * authors.c: the author table of authors.h, folded from a verified chain's key periods.
 */
#include "authors.h"

#include <stdlib.h>
#include <string.h>

static int key_cmp(const void *x, const void *y)
{
    return memcmp(((const proto_author *)x)->key, ((const proto_author *)y)->key, PROTO_KEY_BYTES);
}

const proto_author *proto_authors_find(const proto_authors *a, const uint8_t key[PROTO_KEY_BYTES])
{
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(a->v[mid].key, key, PROTO_KEY_BYTES);
        if (c == 0)
            return &a->v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

void proto_authors_free(proto_authors *a)
{
    free(a->v);
    free(a->countries);
    memset(a, 0, sizeof(*a));
}

/* The row of `key` among the first n rows of v (unsorted), or NULL. */
static proto_author *row_of(proto_author *v, size_t n, const uint8_t *key)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(v[i].key, key, PROTO_KEY_BYTES) == 0)
            return &v[i];
    return NULL;
}

int proto_authors_build(proto_authors *a, const proto_rosterchain *ch)
{
    size_t np = ch->periods_n;
    memset(a, 0, sizeof(*a));
    a->version = proto_rosterchain_version(ch);
    /* At most one row and one country per period. */
    a->v = calloc(np > 0 ? np : 1, sizeof(*a->v));
    a->countries = calloc(np > 0 ? np : 1, sizeof(*a->countries));
    if (a->v == NULL || a->countries == NULL) {
        proto_authors_free(a);
        return RN_ENOMEM;
    }
    /* Rows in the order keys first appear; periods of one key are in the order they began. */
    for (size_t i = 0; i < np; i++) {
        const proto_rc_period *p = &ch->periods[i];
        proto_author *w = row_of(a->v, a->n, p->key);
        if (w == NULL) {
            w = &a->v[a->n++];
            memcpy(w->key, p->key, PROTO_KEY_BYTES);
        }
        w->role = p->role;
        w->current = p->until == 0;
        w->end = p->end;
        w->end_version = p->until;
        w->end_at = p->until != 0 ? ch->versions[p->until - 1].issued_at : 0;
        w->has_cut = p->end == PROTO_RC_END_COMPROMISED;
        w->cut_seq = w->has_cut ? p->last_seq : 0;
        if (w->has_cut)
            memcpy(w->cut_id, p->last_id, PROTO_ID_BYTES);
        else
            memset(w->cut_id, 0, PROTO_ID_BYTES);
        if (p->end == PROTO_RC_END_ROTATED || p->end == PROTO_RC_END_COMPROMISED) {
            w->has_next = true;
            memcpy(w->next, p->next, PROTO_KEY_BYTES);
        }
        if (p->role == PROTO_ROLE_AUTHORITY) {
            w->was_authority = true;
            memcpy(w->country, p->country, 3);
            /* The time cut belongs to the last authority period: removed, or set to a mirror
             * (a set to another country goes on as an authority in the next period). */
            w->has_time_cut = p->end == PROTO_RC_END_REMOVED || p->end == PROTO_RC_END_SET;
            w->time_cut = w->has_time_cut ? w->end_at : 0;
        } else if (!w->was_authority) {
            memcpy(w->country, p->country, 3);
        }
    }
    /* Lineage: the key each was rotated from. */
    for (size_t i = 0; i < a->n; i++) {
        if (!a->v[i].has_next)
            continue;
        proto_author *nx = row_of(a->v, a->n, a->v[i].next);
        RN_ASSERT(nx != NULL); /* the new key began a period in the same change */
        nx->has_prev = true;
        memcpy(nx->prev, a->v[i].key, PROTO_KEY_BYTES);
    }
    /* Countries: the distinct authority countries of each key, in a run per key. */
    for (size_t i = 0; i < a->n; i++) {
        proto_author *w = &a->v[i];
        w->countries = (uint32_t)a->countries_n;
        for (size_t j = 0; j < np; j++) {
            const proto_rc_period *p = &ch->periods[j];
            if (p->role != PROTO_ROLE_AUTHORITY || memcmp(p->key, w->key, PROTO_KEY_BYTES) != 0)
                continue;
            bool seen = false;
            for (uint32_t k = 0; k < w->countries_n && !seen; k++)
                seen = memcmp(a->countries[w->countries + k], p->country, 2) == 0;
            if (!seen) {
                memcpy(a->countries[a->countries_n++], p->country, 3);
                w->countries_n++;
            }
        }
    }
    qsort(a->v, a->n, sizeof(*a->v), key_cmp);
    return 0;
}

int proto_authors_from_roster(proto_authors *a, const proto_roster *r)
{
    size_t n = r->count;
    memset(a, 0, sizeof(*a));
    a->version = 1;
    a->v = calloc(n > 0 ? n : 1, sizeof(*a->v));
    a->countries = calloc(n > 0 ? n : 1, sizeof(*a->countries));
    if (a->v == NULL || a->countries == NULL) {
        proto_authors_free(a);
        return RN_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const proto_member *m = &r->members[i];
        proto_author *w = &a->v[a->n++];
        memcpy(w->key, m->key, PROTO_KEY_BYTES);
        memcpy(w->country, m->country, 3);
        w->role = m->role;
        w->current = true;
        w->was_authority = m->role == PROTO_ROLE_AUTHORITY;
        w->countries = (uint32_t)a->countries_n;
        if (w->was_authority) {
            memcpy(a->countries[a->countries_n++], m->country, 3);
            w->countries_n = 1;
        }
    }
    qsort(a->v, a->n, sizeof(*a->v), key_cmp);
    return 0;
}

bool proto_authors_is_authority_of(const proto_authors *a, const uint8_t key[PROTO_KEY_BYTES],
                                   const char country[2])
{
    const proto_author *w = proto_authors_find(a, key);
    if (w == NULL)
        return false;
    for (uint32_t k = 0; k < w->countries_n; k++)
        if (memcmp(a->countries[w->countries + k], country, 2) == 0)
            return true;
    return false;
}

/* The succession rules of PROTOCOL.md 3.14 that the author table can check. */
static int check_succession(const proto_authors *a, const proto_author *w, const proto_entry *e,
                            const proto_record *r, rn_diag *d)
{
    bool is_succ = e->kind == PROTO_KIND_SUCCESSION;
    if (w->has_prev && e->seq == 1 && !is_succ)
        return rn_fail(d, RN_EINCONSISTENT, "succession");
    if (is_succ && (e->seq != 1 || !w->has_prev))
        return rn_fail(d, RN_EINCONSISTENT, "succession");
    if (!is_succ || r == NULL)
        return 0;
    RN_ASSERT(r->kind == PROTO_KIND_SUCCESSION);
    const proto_succession *s = &r->u.succession;
    if (memcmp(s->predecessor, w->prev, PROTO_KEY_BYTES) != 0)
        return rn_fail(d, RN_EINCONSISTENT, "succession.predecessor");
    const proto_author *pw = proto_authors_find(a, w->prev);
    RN_ASSERT(pw != NULL);
    if (pw->has_cut && (s->last_seq != pw->cut_seq ||
                        (s->last_seq > 0 && memcmp(s->last_id, pw->cut_id, PROTO_ID_BYTES) != 0)))
        return rn_fail(d, RN_EINCONSISTENT, "succession.last_seq");
    return 0;
}

int proto_authors_entry_check(const proto_authors *a, const proto_entry *e, const proto_record *r,
                              uint64_t succ_cut, const char **country, rn_diag *d)
{
    const proto_author *w = proto_authors_find(a, e->author);
    if (w == NULL)
        return rn_fail(d, RN_EROSTER, "entry.author");
    if (!w->was_authority)
        return rn_fail(d, RN_EROLE, "entry.author");
    RN_ASSERT(r == NULL || r->kind == e->kind);
    RN_TRY(check_succession(a, w, e, r, d));
    if (w->has_cut) {
        if (e->seq > w->cut_seq)
            return rn_fail(d, RN_ESUPERSEDED, "entry.seq");
        if (e->seq == w->cut_seq) {
            uint8_t id[PROTO_ID_BYTES];
            proto_entry_id(e->bytes, e->len, id);
            if (memcmp(id, w->cut_id, PROTO_ID_BYTES) != 0)
                return rn_fail(d, RN_ESUPERSEDED, "entry.seq");
        }
    } else if (w->end == PROTO_RC_END_ROTATED && succ_cut != PROTO_AUTHORS_NO_CUT &&
               e->seq > succ_cut) {
        return rn_fail(d, RN_ESUPERSEDED, "entry.seq");
    }
    if (w->has_time_cut && e->timestamp_ms > w->time_cut)
        return rn_fail(d, RN_ESUPERSEDED, "entry.timestamp");
    const char *cc = w->country;
    if (r != NULL) {
        int rc = RN_EPREFIX;
        rn_diag d1 = { 0 };
        for (uint32_t k = 0; k < w->countries_n && rc < 0; k++) {
            cc = a->countries[w->countries + k];
            rc = proto_record_check_author(r, cc, &d1);
        }
        if (rc < 0) {
            if (d != NULL)
                *d = d1;
            return rc;
        }
        RN_TRY(proto_record_check_signer(r, e->author, d));
    }
    if (country != NULL)
        *country = cc;
    return 0;
}
