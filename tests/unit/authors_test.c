/*
 * authors_test.c: who may author an entry under a governed roster (proto/authors.h, PROTOCOL.md
 * 2 "Identity of authors", 3.14 and 4.4).
 *
 * A federation of three authorities (IE, FR, DE) and a mirror starts from a genesis; changes then
 * rotate keys (planned and compromised, and a chain of two rotations), remove an authority, and
 * move keys between countries and roles. Each case asks proto_authors_entry_check about entries
 * signed by those keys before and after their cut-offs, and proto_authors_is_authority_of about
 * the lineage of each country's authority.
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
#include "proto/key.h"
#include "proto/limits.h"
#include "proto/record.h"
#include "proto/rosterchain.h"

#define T0  1735689600000ull /* 2025-01-01, the genesis */
#define DAY 86400000ull

enum { IE = 0, FR = 1, DE = 2, IE2 = 10, IE3 = 11, FR2 = 12, MIRROR = 100, STRANGER = 200 };

typedef struct kp {
    uint8_t pk[PROTO_KEY_BYTES];
    uint8_t sk[PROTO_SK_BYTES];
} kp;

static kp key_of(unsigned i)
{
    kp k;
    uint8_t seed[PROTO_SEED_BYTES];
    memset(seed, 9, sizeof(seed));
    seed[0] = (uint8_t)i;
    proto_key_sk_derive(seed, k.sk, k.pk);
    return k;
}

/* The genesis: IE, FR and DE authorities and one mirror, majority quorum (2 of 3). */
static void chain_start(proto_rosterchain *ch)
{
    proto_roster r;
    mp_buf b;
    rn_diag d;
    static const struct {
        unsigned k;
        const char *cc;
    } auth[] = { { IE, "IE" }, { FR, "FR" }, { DE, "DE" } };
    assert_int_equal(proto_roster_init(&r, 8), 0);
    for (size_t i = 0; i < 3; i++) {
        kp k = key_of(auth[i].k);
        assert_int_equal(proto_roster_add(&r, auth[i].cc, 2, PROTO_ROLE_AUTHORITY, k.pk), 0);
    }
    kp m = key_of(MIRROR);
    assert_int_equal(proto_roster_add(&r, "", 0, PROTO_ROLE_MIRROR, m.pk), 0);
    mp_buf_init(&b, RN_ROSTERCHAIN_GENESIS_BYTES_MAX);
    assert_int_equal(proto_rosterchain_genesis_encode("authors test", 12, 0, T0, &r, &b), 0);
    assert_int_equal(proto_rosterchain_init(ch, b.data, b.len, &d), 0);
    mp_buf_free(&b);
    proto_roster_free(&r);
}

static proto_rc_change *change_new(const proto_rosterchain *ch, uint64_t at)
{
    proto_rc_change *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    assert_int_equal(proto_rosterchain_change_start(ch, at, c), 0);
    return c;
}

static proto_rc_op *op_push(proto_rc_change *c, proto_rc_optype t, unsigned key)
{
    proto_rc_op *o = &c->ops[c->ops_n++];
    kp k = key_of(key);
    memset(o, 0, sizeof(*o));
    o->type = t;
    memcpy(o->key, k.pk, PROTO_KEY_BYTES);
    return o;
}

/* Signs `c` by the keys listed (ending with -1) and applies it. */
static void apply_signed(proto_rosterchain *ch, proto_rc_change *c, ...)
{
    va_list ap;
    rn_diag d = { 0 };
    va_start(ap, c);
    for (int k = va_arg(ap, int); k >= 0; k = va_arg(ap, int)) {
        kp x = key_of((unsigned)k);
        assert_int_equal(proto_rosterchain_change_sign(c, x.sk, x.pk), 0);
    }
    va_end(ap);
    int rc = proto_rosterchain_apply(ch, c, &d);
    if (rc != 0)
        fail_msg("apply: %s at %s", rn_err_name(rc), d.field ? d.field : "-");
    free(c);
}

static void rotate(proto_rosterchain *ch, uint64_t at, unsigned from, unsigned to)
{
    proto_rc_change *c = change_new(ch, at);
    kp n = key_of(to);
    memcpy(op_push(c, PROTO_RC_ROTATE, from)->new_key, n.pk, PROTO_KEY_BYTES);
    /* The old key and the quorum (two of the three authorities). */
    apply_signed(ch, c, (int)from, from == DE ? FR : DE, -1);
}

/* ---- Entries ---- */

typedef struct ent {
    uint8_t b[1024];
    size_t len;
    proto_entry e;
    proto_record *r; /* heap: some 48 KiB */
    uint8_t id[PROTO_ID_BYTES];
} ent;

static void ent_sign(ent *x, unsigned key, uint64_t seq, uint64_t ts, const proto_record *r)
{
    static const uint8_t prev[PROTO_ID_BYTES] = { 1 };
    kp k = key_of(key);
    mp_buf body;
    mp_buf_init(&body, RN_RECORD_BYTES_MAX);
    assert_int_equal(proto_record_encode(r, &body), 0);
    proto_entry_draft dr = { .seq = seq,
                             .prev = seq == 1 ? NULL : prev,
                             .timestamp_ms = ts,
                             .kind = r->kind,
                             .body = body.data,
                             .body_len = body.len };
    assert_int_equal(proto_entry_sign(&dr, k.sk, x->b, sizeof(x->b), &x->len), 0);
    mp_buf_free(&body);
    assert_int_equal(proto_entry_decode(&x->e, x->b, x->len, NULL), 0);
    proto_entry_id(x->b, x->len, x->id);
    x->r = malloc(sizeof(*x->r));
    assert_non_null(x->r);
    assert_int_equal(proto_record_decode(x->r, x->e.kind, x->e.body, x->e.body_len, NULL), 0);
}

/* A policy of country `cc` (its id "CC:pol-<seq>") as entry `seq` of `key`. */
static void policy_entry(ent *x, unsigned key, const char *cc, uint64_t seq, uint64_t ts)
{
    static char id[32];
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_POLICY;
    snprintf(id, sizeof(id), "%s:pol-%llu", cc, (unsigned long long)seq);
    r.u.policy.id = proto_str_c(id);
    r.u.policy.purpose = PROTO_PURPOSE_BOTH;
    r.u.policy.outcome = PROTO_OUTCOME_FULL;
    r.u.policy.valid_from_ms = T0;
    r.u.policy.status = PROTO_STATUS_ACTIVE;
    ent_sign(x, key, seq, ts, &r);
}

static void succession_entry(ent *x, unsigned key, uint64_t seq, uint64_t ts, unsigned pred,
                             uint64_t last_seq, const uint8_t *last_id)
{
    proto_record r;
    kp p = key_of(pred);
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_SUCCESSION;
    r.u.succession.predecessor = p.pk;
    r.u.succession.last_seq = last_seq;
    r.u.succession.last_id = last_seq > 0 ? last_id : NULL;
    ent_sign(x, key, seq, ts, &r);
}

static void ent_free(ent *x)
{
    free(x->r);
    x->r = NULL;
}

/* proto_authors_entry_check with and without the record: the same answer either way, except
 * for what only the record shows (prefix, succession fields, a roster record's signer). */
static int check(const proto_authors *a, const ent *x, uint64_t cut, const char **cc,
                 const char *field)
{
    rn_diag d = { 0 };
    int rc = proto_authors_entry_check(a, &x->e, x->r, cut, cc, &d);
    if (rc < 0) {
        assert_int_equal(d.code, rc);
        if (field != NULL) {
            assert_non_null(d.field);
            assert_string_equal(d.field, field);
        }
    }
    return rc;
}

static bool auth_of(const proto_authors *a, unsigned key, const char *cc)
{
    kp k = key_of(key);
    return proto_authors_is_authority_of(a, k.pk, cc);
}

static const proto_author *row(const proto_authors *a, unsigned key)
{
    kp k = key_of(key);
    return proto_authors_find(a, k.pk);
}

/* ---- Cases ---- */

static void test_genesis(void **state)
{
    (void)state;
    proto_rosterchain ch;
    proto_authors a;
    ent x;
    const char *cc = NULL;
    chain_start(&ch);
    assert_int_equal(proto_authors_build(&a, &ch), 0);
    assert_int_equal(a.n, 4);
    assert_int_equal(a.version, 1);
    for (size_t i = 1; i < a.n; i++)
        assert_true(memcmp(a.v[i - 1].key, a.v[i].key, PROTO_KEY_BYTES) < 0);

    /* The current authority. */
    policy_entry(&x, IE, "IE", 7, T0 + DAY);
    assert_int_equal(check(&a, &x, PROTO_AUTHORS_NO_CUT, &cc, NULL), 0);
    assert_string_equal(cc, "IE");
    assert_int_equal(proto_authors_entry_check(&a, &x.e, NULL, PROTO_AUTHORS_NO_CUT, &cc, NULL), 0);
    assert_string_equal(cc, "IE");
    const proto_author *w = row(&a, IE);
    assert_true(w->current && w->was_authority && !w->has_prev && !w->has_next && !w->has_cut);
    assert_int_equal(w->end, PROTO_RC_END_NONE);
    assert_true(auth_of(&a, IE, "IE"));
    assert_false(auth_of(&a, IE, "FR"));
    assert_false(auth_of(&a, STRANGER, "IE"));
    ent_free(&x);

    /* Another country's prefix. */
    policy_entry(&x, IE, "FR", 8, T0 + DAY);
    assert_int_equal(check(&a, &x, PROTO_AUTHORS_NO_CUT, NULL, "policy.id"), RN_EPREFIX);
    ent_free(&x);

    /* A mirror authors nothing; a stranger is not a member. */
    policy_entry(&x, MIRROR, "IE", 1, T0 + DAY);
    assert_int_equal(check(&a, &x, PROTO_AUTHORS_NO_CUT, NULL, "entry.author"), RN_EROLE);
    assert_false(auth_of(&a, MIRROR, "IE"));
    ent_free(&x);
    policy_entry(&x, STRANGER, "IE", 1, T0 + DAY);
    assert_int_equal(check(&a, &x, PROTO_AUTHORS_NO_CUT, NULL, "entry.author"), RN_EROSTER);
    assert_null(row(&a, STRANGER));
    ent_free(&x);

    /* A succession by a key that did not come by rotation. */
    succession_entry(&x, IE, 1, T0, FR, 0, NULL);
    assert_int_equal(check(&a, &x, PROTO_AUTHORS_NO_CUT, NULL, "succession"), RN_EINCONSISTENT);
    ent_free(&x);

    /* The table of the genesis roster alone says the same. */
    proto_authors b;
    proto_roster r;
    assert_int_equal(proto_roster_init(&r, 8), 0);
    assert_int_equal(proto_rosterchain_roster_at(&ch, 1, &r), 0);
    assert_int_equal(proto_authors_from_roster(&b, &r), 0);
    assert_int_equal(b.n, a.n);
    for (size_t i = 0; i < a.n; i++) {
        assert_memory_equal(a.v[i].key, b.v[i].key, PROTO_KEY_BYTES);
        assert_string_equal(a.v[i].country, b.v[i].country);
        assert_int_equal(a.v[i].role, b.v[i].role);
        assert_int_equal(a.v[i].was_authority, b.v[i].was_authority);
    }
    assert_true(proto_authors_is_authority_of(&b, row(&a, FR)->key, "FR"));
    proto_roster_free(&r);
    proto_authors_free(&b);
    proto_authors_free(&a);
    proto_rosterchain_free(&ch);
}

/* A planned rotation: the old key's entries are accepted up to the cut its successor's
 * succession makes known, and the new key's log opens with that succession. */
static void test_planned_rotation(void **state)
{
    (void)state;
    proto_rosterchain ch;
    proto_authors a;
    ent x;
    const char *cc = NULL;
    chain_start(&ch);
    rotate(&ch, T0 + 10 * DAY, IE, IE2);
    assert_int_equal(proto_authors_build(&a, &ch), 0);
    assert_int_equal(a.version, 2);

    const proto_author *old = row(&a, IE), *nw = row(&a, IE2);
    assert_non_null(old);
    assert_non_null(nw);
    assert_false(old->current);
    assert_true(old->has_next && !old->has_prev && !old->has_cut);
    assert_memory_equal(old->next, nw->key, PROTO_KEY_BYTES);
    assert_int_equal(old->end, PROTO_RC_END_ROTATED);
    assert_int_equal(old->end_version, 2);
    assert_int_equal(old->end_at, T0 + 10 * DAY);
    assert_true(nw->current && nw->has_prev && !nw->has_next);
    assert_memory_equal(nw->prev, old->key, PROTO_KEY_BYTES);
    assert_string_equal(nw->country, "IE");
    assert_true(auth_of(&a, IE, "IE") && auth_of(&a, IE2, "IE"));

    /* The old key: no cut known yet, then the succession's. */
    policy_entry(&x, IE, "IE", 6, T0 + 20 * DAY);
    assert_int_equal(check(&a, &x, PROTO_AUTHORS_NO_CUT, &cc, NULL), 0);
    assert_string_equal(cc, "IE");
    assert_int_equal(check(&a, &x, 6, NULL, NULL), 0);
    assert_int_equal(check(&a, &x, 5, NULL, "entry.seq"), RN_ESUPERSEDED);
    assert_int_equal(check(&a, &x, 0, NULL, "entry.seq"), RN_ESUPERSEDED);
    /* The cut applies to rotated keys only. */
    ent_free(&x);
    policy_entry(&x, IE2, "IE", 6, T0 + 20 * DAY);
    assert_int_equal(check(&a, &x, 0, NULL, NULL), 0);
    ent_free(&x);

    /* The new key's first entry is a succession naming the old key. */
    policy_entry(&x, IE2, "IE", 1, T0 + 20 * DAY);
    assert_int_equal(check(&a, &x, PROTO_AUTHORS_NO_CUT, NULL, "succession"), RN_EINCONSISTENT);
    ent_free(&x);
    uint8_t some_id[PROTO_ID_BYTES];
    memset(some_id, 0x33, sizeof(some_id));
    succession_entry(&x, IE2, 1, T0 + 20 * DAY, IE, 5, some_id);
    assert_int_equal(check(&a, &x, PROTO_AUTHORS_NO_CUT, &cc, NULL), 0);
    assert_string_equal(cc, "IE");
    ent_free(&x);
    succession_entry(&x, IE2, 1, T0 + 20 * DAY, FR, 5, some_id);
    assert_int_equal(check(&a, &x, PROTO_AUTHORS_NO_CUT, NULL, "succession.predecessor"),
                     RN_EINCONSISTENT);
    ent_free(&x);
    succession_entry(&x, IE2, 2, T0 + 20 * DAY, IE, 5, some_id);
    assert_int_equal(check(&a, &x, PROTO_AUTHORS_NO_CUT, NULL, "succession"), RN_EINCONSISTENT);
    ent_free(&x);

    proto_authors_free(&a);
    proto_rosterchain_free(&ch);
}

/* A compromised key: trusted up to the op's (last_seq, last_id), refused past it. */
static void test_compromised(void **state)
{
    (void)state;
    proto_rosterchain ch;
    proto_authors a;
    ent e2, e3, e3b, e4, s;
    chain_start(&ch);
    policy_entry(&e2, FR, "FR", 2, T0 + DAY);
    policy_entry(&e3, FR, "FR", 3, T0 + 2 * DAY);
    policy_entry(&e3b, FR, "FR", 3, T0 + 3 * DAY); /* the attacker's fork at the cut */
    policy_entry(&e4, FR, "FR", 4, T0 + 3 * DAY);

    proto_rc_change *c = change_new(&ch, T0 + 10 * DAY);
    proto_rc_op *o = op_push(c, PROTO_RC_ROTATE_COMPROMISED, FR);
    kp n = key_of(FR2);
    memcpy(o->new_key, n.pk, PROTO_KEY_BYTES);
    o->last_seq = 3;
    memcpy(o->last_id, e3.id, PROTO_ID_BYTES);
    apply_signed(&ch, c, IE, DE, -1); /* the quorum alone */
    assert_int_equal(proto_authors_build(&a, &ch), 0);

    const proto_author *w = row(&a, FR);
    assert_true(w->has_cut && w->has_next && !w->current);
    assert_int_equal(w->cut_seq, 3);
    assert_memory_equal(w->cut_id, e3.id, PROTO_ID_BYTES);
    assert_int_equal(w->end, PROTO_RC_END_COMPROMISED);

    /* At and below the cut: accepted, whatever succession cut is passed. */
    assert_int_equal(check(&a, &e2, PROTO_AUTHORS_NO_CUT, NULL, NULL), 0);
    assert_int_equal(check(&a, &e3, 0, NULL, NULL), 0);
    /* Another id at the cut, or past it: refused. */
    assert_int_equal(check(&a, &e3b, PROTO_AUTHORS_NO_CUT, NULL, "entry.seq"), RN_ESUPERSEDED);
    assert_int_equal(check(&a, &e4, PROTO_AUTHORS_NO_CUT, NULL, "entry.seq"), RN_ESUPERSEDED);
    assert_true(auth_of(&a, FR, "FR") && auth_of(&a, FR2, "FR"));

    /* The successor's succession names the op's (last_seq, last_id). */
    succession_entry(&s, FR2, 1, T0 + 11 * DAY, FR, 3, e3.id);
    assert_int_equal(check(&a, &s, PROTO_AUTHORS_NO_CUT, NULL, NULL), 0);
    ent_free(&s);
    succession_entry(&s, FR2, 1, T0 + 11 * DAY, FR, 2, e2.id);
    assert_int_equal(check(&a, &s, PROTO_AUTHORS_NO_CUT, NULL, "succession.last_seq"),
                     RN_EINCONSISTENT);
    ent_free(&s);
    succession_entry(&s, FR2, 1, T0 + 11 * DAY, FR, 3, e3b.id);
    assert_int_equal(check(&a, &s, PROTO_AUTHORS_NO_CUT, NULL, "succession.last_seq"),
                     RN_EINCONSISTENT);
    ent_free(&s);
    succession_entry(&s, FR2, 1, T0 + 11 * DAY, FR, 0, NULL);
    assert_int_equal(check(&a, &s, PROTO_AUTHORS_NO_CUT, NULL, "succession.last_seq"),
                     RN_EINCONSISTENT);
    ent_free(&s);

    ent_free(&e2);
    ent_free(&e3);
    ent_free(&e3b);
    ent_free(&e4);
    proto_authors_free(&a);
    proto_rosterchain_free(&ch);

    /* last_seq 0: nothing of the old key is trusted. */
    chain_start(&ch);
    c = change_new(&ch, T0 + 10 * DAY);
    memcpy(op_push(c, PROTO_RC_ROTATE_COMPROMISED, FR)->new_key, n.pk, PROTO_KEY_BYTES);
    apply_signed(&ch, c, IE, DE, -1);
    assert_int_equal(proto_authors_build(&a, &ch), 0);
    policy_entry(&e2, FR, "FR", 1, T0 + DAY);
    assert_int_equal(check(&a, &e2, PROTO_AUTHORS_NO_CUT, NULL, "entry.seq"), RN_ESUPERSEDED);
    ent_free(&e2);
    proto_authors_free(&a);
    proto_rosterchain_free(&ch);
}

/* A removed authority: its history stays valid, nothing stamped after the removal is. */
static void test_removed(void **state)
{
    (void)state;
    proto_rosterchain ch;
    proto_authors a;
    ent x;
    const uint64_t at = T0 + 30 * DAY;
    chain_start(&ch);
    proto_rc_change *c = change_new(&ch, at);
    op_push(c, PROTO_RC_REMOVE, DE);
    apply_signed(&ch, c, IE, FR, -1);
    assert_int_equal(proto_authors_build(&a, &ch), 0);
    const proto_author *w = row(&a, DE);
    assert_true(!w->current && w->was_authority && w->has_time_cut);
    assert_int_equal(w->end, PROTO_RC_END_REMOVED);
    assert_int_equal(w->time_cut, at);

    policy_entry(&x, DE, "DE", 40, at);
    assert_int_equal(check(&a, &x, PROTO_AUTHORS_NO_CUT, NULL, NULL), 0);
    ent_free(&x);
    policy_entry(&x, DE, "DE", 41, at + 1);
    assert_int_equal(check(&a, &x, PROTO_AUTHORS_NO_CUT, NULL, "entry.timestamp"), RN_ESUPERSEDED);
    ent_free(&x);
    /* Its decisions still speak for its country: they are history. */
    assert_true(auth_of(&a, DE, "DE"));
    proto_authors_free(&a);
    proto_rosterchain_free(&ch);
}

/* Set ops: a key moved to another country keeps both; a mirror made an authority authors; an
 * authority made a mirror is cut at that time. */
static void test_set(void **state)
{
    (void)state;
    proto_rosterchain ch;
    proto_authors a;
    ent x;
    const char *cc = NULL;
    chain_start(&ch);
    proto_rc_change *c = change_new(&ch, T0 + 5 * DAY);
    proto_rc_op *o = op_push(c, PROTO_RC_SET, DE);
    memcpy(o->country, "AT", 3);
    o->role = PROTO_ROLE_AUTHORITY;
    o = op_push(c, PROTO_RC_SET, MIRROR);
    memcpy(o->country, "NL", 3);
    o->role = PROTO_ROLE_AUTHORITY;
    apply_signed(&ch, c, IE, FR, -1);
    assert_int_equal(proto_authors_build(&a, &ch), 0);

    assert_true(auth_of(&a, DE, "DE") && auth_of(&a, DE, "AT"));
    assert_string_equal(row(&a, DE)->country, "AT");
    assert_int_equal(row(&a, DE)->countries_n, 2);
    policy_entry(&x, DE, "DE", 3, T0 + DAY);
    assert_int_equal(check(&a, &x, PROTO_AUTHORS_NO_CUT, &cc, NULL), 0);
    assert_string_equal(cc, "DE");
    ent_free(&x);
    policy_entry(&x, DE, "AT", 4, T0 + 6 * DAY);
    assert_int_equal(check(&a, &x, PROTO_AUTHORS_NO_CUT, &cc, NULL), 0);
    assert_string_equal(cc, "AT");
    /* Without the record, the country of its last authority period. */
    assert_int_equal(proto_authors_entry_check(&a, &x.e, NULL, PROTO_AUTHORS_NO_CUT, &cc, NULL), 0);
    assert_string_equal(cc, "AT");
    ent_free(&x);
    policy_entry(&x, DE, "IE", 5, T0 + 6 * DAY);
    assert_int_equal(check(&a, &x, PROTO_AUTHORS_NO_CUT, NULL, "policy.id"), RN_EPREFIX);
    ent_free(&x);

    /* The former mirror. */
    assert_true(auth_of(&a, MIRROR, "NL"));
    policy_entry(&x, MIRROR, "NL", 1, T0 + 6 * DAY);
    assert_int_equal(check(&a, &x, PROTO_AUTHORS_NO_CUT, &cc, NULL), 0);
    assert_string_equal(cc, "NL");
    ent_free(&x);
    proto_authors_free(&a);

    /* Now NL's authority becomes a mirror again at T0 + 9 days. */
    c = change_new(&ch, T0 + 9 * DAY);
    o = op_push(c, PROTO_RC_SET, MIRROR);
    o->role = PROTO_ROLE_MIRROR;
    apply_signed(&ch, c, IE, FR, DE, -1); /* four authorities now: three make the quorum */
    assert_int_equal(proto_authors_build(&a, &ch), 0);
    const proto_author *w = row(&a, MIRROR);
    assert_true(w->was_authority && w->has_time_cut && w->current);
    assert_int_equal(w->role, PROTO_ROLE_MIRROR);
    assert_int_equal(w->time_cut, T0 + 9 * DAY);
    policy_entry(&x, MIRROR, "NL", 2, T0 + 9 * DAY);
    assert_int_equal(check(&a, &x, PROTO_AUTHORS_NO_CUT, NULL, NULL), 0);
    ent_free(&x);
    policy_entry(&x, MIRROR, "NL", 3, T0 + 9 * DAY + 1);
    assert_int_equal(check(&a, &x, PROTO_AUTHORS_NO_CUT, NULL, "entry.timestamp"), RN_ESUPERSEDED);
    ent_free(&x);
    proto_authors_free(&a);
    proto_rosterchain_free(&ch);
}

/* K -> K' -> K'': one lineage, each key linked both ways, all speaking for the country. */
static void test_rotation_chain(void **state)
{
    (void)state;
    proto_rosterchain ch;
    proto_authors a;
    ent x;
    chain_start(&ch);
    rotate(&ch, T0 + 10 * DAY, IE, IE2);
    rotate(&ch, T0 + 20 * DAY, IE2, IE3);
    assert_int_equal(proto_authors_build(&a, &ch), 0);
    assert_int_equal(a.version, 3);
    const proto_author *k0 = row(&a, IE), *k1 = row(&a, IE2), *k2 = row(&a, IE3);
    assert_true(!k0->has_prev && k0->has_next && !k0->current);
    assert_true(k1->has_prev && k1->has_next && !k1->current);
    assert_true(k2->has_prev && !k2->has_next && k2->current);
    assert_memory_equal(k0->next, k1->key, PROTO_KEY_BYTES);
    assert_memory_equal(k1->prev, k0->key, PROTO_KEY_BYTES);
    assert_memory_equal(k1->next, k2->key, PROTO_KEY_BYTES);
    assert_memory_equal(k2->prev, k1->key, PROTO_KEY_BYTES);
    assert_int_equal(k1->end_version, 3);
    assert_true(auth_of(&a, IE, "IE") && auth_of(&a, IE2, "IE") && auth_of(&a, IE3, "IE"));
    assert_false(auth_of(&a, IE3, "FR"));

    /* The first key's history, and the middle key's up to its successor's cut. */
    policy_entry(&x, IE, "IE", 9, T0 + DAY);
    assert_int_equal(check(&a, &x, PROTO_AUTHORS_NO_CUT, NULL, NULL), 0);
    ent_free(&x);
    policy_entry(&x, IE2, "IE", 4, T0 + 15 * DAY);
    assert_int_equal(check(&a, &x, 4, NULL, NULL), 0);
    assert_int_equal(check(&a, &x, 3, NULL, "entry.seq"), RN_ESUPERSEDED);
    ent_free(&x);
    /* The last key succeeds the middle one, not the first. */
    succession_entry(&x, IE3, 1, T0 + 21 * DAY, IE, 0, NULL);
    assert_int_equal(check(&a, &x, PROTO_AUTHORS_NO_CUT, NULL, "succession.predecessor"),
                     RN_EINCONSISTENT);
    ent_free(&x);
    succession_entry(&x, IE3, 1, T0 + 21 * DAY, IE2, 0, NULL);
    assert_int_equal(check(&a, &x, PROTO_AUTHORS_NO_CUT, NULL, NULL), 0);
    ent_free(&x);
    proto_authors_free(&a);
    proto_rosterchain_free(&ch);
}

/* A roster entry (kind 7) is its author's approval: the author signed the change. */
static void test_roster_record_signer(void **state)
{
    (void)state;
    proto_rosterchain ch;
    proto_authors a;
    proto_record r;
    mp_buf doc;
    ent x;
    chain_start(&ch);
    assert_int_equal(proto_authors_build(&a, &ch), 0);
    proto_rc_change *c = change_new(&ch, T0 + DAY);
    op_push(c, PROTO_RC_REMOVE, MIRROR);
    kp fr = key_of(FR);
    assert_int_equal(proto_rosterchain_change_sign(c, fr.sk, fr.pk), 0);
    mp_buf_init(&doc, RN_ROSTERCHAIN_CHANGE_BYTES_MAX);
    assert_int_equal(proto_rosterchain_change_encode(c, &doc), 0);
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_ROSTER;
    r.u.roster.change.ptr = doc.data;
    r.u.roster.change.len = (uint32_t)doc.len;
    ent_sign(&x, FR, 5, T0 + DAY, &r);
    assert_int_equal(check(&a, &x, PROTO_AUTHORS_NO_CUT, NULL, NULL), 0);
    ent_free(&x);
    ent_sign(&x, IE, 5, T0 + DAY, &r); /* IE passes on a change it did not sign */
    assert_int_equal(check(&a, &x, PROTO_AUTHORS_NO_CUT, NULL, "roster.change"), RN_EINCONSISTENT);
    ent_free(&x);
    mp_buf_free(&doc);
    free(c);
    proto_authors_free(&a);
    proto_rosterchain_free(&ch);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_genesis),
        cmocka_unit_test(test_planned_rotation),
        cmocka_unit_test(test_compromised),
        cmocka_unit_test(test_removed),
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_rotation_chain),
        cmocka_unit_test(test_roster_record_signer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
