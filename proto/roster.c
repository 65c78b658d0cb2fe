/*
 * roster.c: the federation roster (see roster.h for the model and the choices behind it).
 *
 * Workload: a few dozen to a thousand adds at start-up, then millions of lookups by key (one per
 * received run of entries, one per entry of a proof) and by country. Adds keep the array sorted by
 * insertion (memmove of at most RN_ROSTER_MEMBERS_MAX members) and rebuild the country table,
 * which costs nothing at these sizes; lookups are a binary search and a table index.
 */
#include "roster.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "codes.h"

static_assert(RN_ROSTER_MEMBERS_MAX < 65535u, "the country table holds 1 + an index in 16 bits");

const char *proto_role_name(int role)
{
    switch (role) {
    case PROTO_ROLE_AUTHORITY:
        return "authority";
    case PROTO_ROLE_MIRROR:
        return "mirror";
    default:
        return NULL;
    }
}

int proto_roster_init(proto_roster *r, size_t members_max)
{
    memset(r, 0, sizeof(*r));
    if (members_max == 0 || members_max > RN_ROSTER_MEMBERS_MAX)
        return RN_EINVAL;
    r->members = calloc(members_max, sizeof(*r->members));
    if (r->members == NULL)
        return RN_ENOMEM;
    r->max = members_max;
    return 0;
}

void proto_roster_free(proto_roster *r)
{
    if (!r->view)
        free(r->members);
    memset(r, 0, sizeof(*r));
}

void proto_roster_view(proto_roster *view, const proto_roster *src)
{
    *view = *src;
    view->view = true;
}

int proto_roster_copy(proto_roster *dst, const proto_roster *src)
{
    if (dst->view || dst->count != 0)
        return RN_EINVAL;
    if (src->count > dst->max)
        return RN_ECOUNT;
    memcpy(dst->members, src->members, src->count * sizeof(*src->members));
    dst->count = src->count;
    memcpy(dst->authority, src->authority, sizeof(dst->authority));
    return 0;
}

/* The slot of a two-letter upper-case code in the country table, or -1. Maps "EL" to "GR". */
static int country_slot(const char *c, size_t len)
{
    if (len != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z')
        return -1;
    if (c[0] == 'E' && c[1] == 'L')
        c = "GR";
    return (c[0] - 'A') * 26 + (c[1] - 'A');
}

/* Index of the first member whose key is >= key (the insertion point), and whether it is equal. */
static size_t lower_bound(const proto_roster *r, const uint8_t *key, int *found)
{
    size_t lo = 0, hi = r->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (memcmp(r->members[mid].key, key, PROTO_KEY_BYTES) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < r->count && memcmp(r->members[lo].key, key, PROTO_KEY_BYTES) == 0;
    return lo;
}

static void rebuild_country_table(proto_roster *r)
{
    memset(r->authority, 0, sizeof(r->authority));
    for (size_t i = 0; i < r->count; i++) {
        const proto_member *m = &r->members[i];
        if (m->role != PROTO_ROLE_AUTHORITY)
            continue;
        int slot = country_slot(m->country, 2);
        RN_ASSERT(slot >= 0 && r->authority[slot] == 0);
        r->authority[slot] = (uint16_t)(i + 1);
    }
}

int proto_roster_add(proto_roster *r, const char *country, size_t country_len, proto_role role,
                     const uint8_t key[PROTO_KEY_BYTES])
{
    const proto_country *c = NULL;
    int found;

    if (proto_role_name((int)role) == NULL || r->view)
        return RN_EINVAL;
    if (country_len > 0) {
        c = proto_country_find(country, country_len);
        if (c == NULL)
            return RN_ECOUNTRY;
    } else if (role == PROTO_ROLE_AUTHORITY) {
        return RN_ECOUNTRY;
    }
    if (!crypto_core_ed25519_is_valid_point(key))
        return RN_EKEY;
    size_t at = lower_bound(r, key, &found);
    if (found)
        return RN_EDUPLICATE;
    if (role == PROTO_ROLE_AUTHORITY && proto_roster_authority(r, c->alpha2, 2) != NULL)
        return RN_EDUPLICATE;
    if (r->count == r->max)
        return RN_ECOUNT;

    memmove(&r->members[at + 1], &r->members[at], (r->count - at) * sizeof(*r->members));
    proto_member *m = &r->members[at];
    memset(m, 0, sizeof(*m));
    memcpy(m->key, key, PROTO_KEY_BYTES);
    if (c != NULL)
        memcpy(m->country, c->alpha2, 3);
    m->role = role;
    r->count++;
    rebuild_country_table(r);
    return 0;
}

const proto_member *proto_roster_find(const proto_roster *r, const uint8_t key[PROTO_KEY_BYTES])
{
    int found;
    size_t at = lower_bound(r, key, &found);
    return found ? &r->members[at] : NULL;
}

const proto_member *proto_roster_authority(const proto_roster *r, const char *country, size_t len)
{
    int slot = country_slot(country, len);
    if (slot < 0 || r->authority[slot] == 0)
        return NULL;
    return &r->members[r->authority[slot] - 1];
}

int proto_roster_encode(const proto_roster *r, mp_buf *b)
{
    mp_put_array(b, (uint32_t)r->count);
    for (size_t i = 0; i < r->count; i++) {
        const proto_member *m = &r->members[i];
        mp_put_array(b, 3);
        mp_put_str(b, m->country, strlen(m->country));
        mp_put_uint(b, (uint64_t)m->role);
        mp_put_bin(b, m->key, PROTO_KEY_BYTES);
    }
    return mp_buf_err(b);
}

int proto_roster_decode(proto_roster *r, const uint8_t *buf, size_t len, rn_diag *d)
{
    mp_cur c;
    uint32_t n, fields, slen;
    const uint8_t *country, *key;
    uint64_t role;
    int rc;

    if (r->count != 0 || r->max == 0)
        return rn_fail(d, RN_EINVAL, "roster");
    mp_cur_init(&c, buf, len);
    if ((rc = mp_read_array(&c, &n)) < 0)
        return rn_fail(d, rc, "roster");
    if (n > r->max)
        return rn_fail(d, RN_ECOUNT, "roster");
    for (uint32_t i = 0; i < n; i++) {
        if ((rc = mp_read_array(&c, &fields)) < 0)
            return rn_fail_at(d, rc, "roster.member", (size_t)i + 1);
        if (fields != 3)
            return rn_fail_at(d, RN_ECOUNT, "roster.member", (size_t)i + 1);
        if ((rc = mp_read_str(&c, &country, &slen)) < 0)
            return rn_fail_at(d, rc, "roster.country", (size_t)i + 1);
        if (slen != 0 && !proto_country_is_canonical((const char *)country, slen))
            return rn_fail_at(d, RN_ECOUNTRY, "roster.country", (size_t)i + 1);
        if ((rc = mp_read_uint(&c, &role)) < 0)
            return rn_fail_at(d, rc, "roster.role", (size_t)i + 1);
        if (role != PROTO_ROLE_AUTHORITY && role != PROTO_ROLE_MIRROR)
            return rn_fail_at(d, RN_EENUM, "roster.role", (size_t)i + 1);
        if ((rc = mp_read_bin_exact(&c, &key, PROTO_KEY_BYTES)) < 0)
            return rn_fail_at(d, rc, "roster.key", (size_t)i + 1);
        if (r->count > 0) {
            int cmp = memcmp(r->members[r->count - 1].key, key, PROTO_KEY_BYTES);
            if (cmp >= 0)
                return rn_fail_at(d, cmp == 0 ? RN_EDUPLICATE : RN_EFIELDORDER, "roster.key",
                                  (size_t)i + 1);
        }
        rc = proto_roster_add(r, (const char *)country, slen, (proto_role)role, key);
        if (rc < 0)
            return rn_fail_at(
                d, rc, rc == RN_ECOUNTRY || rc == RN_EDUPLICATE ? "roster.country" : "roster.key",
                (size_t)i + 1);
    }
    if (c.p != c.end)
        return rn_fail(d, RN_ETRAILING, "roster");
    return 0;
}
