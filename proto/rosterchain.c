/*
 * rosterchain.c: the governed roster (see rosterchain.h for the model, PROTOCOL.md 4.4 for the
 * bytes).
 *
 * Workload: a chain of a few to a few thousand changes, verified once when a verifier or a node
 * loads it; each change has a handful of ops and at most 30 signatures. Applying a change copies
 * the roster in force into a working array (at most 1,024 members), applies the ops there, and
 * rebuilds a proto_roster through proto_roster_add, so the rules of a valid roster are those of
 * roster.c and are written once. Nothing of the chain changes until the whole change has passed.
 */
#include "rosterchain.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "codes.h"
#include "limits.h"

static_assert(RN_ROSTERCHAIN_SIGS_MAX >= 30u, "one signature per authority, one per country");

const char *proto_rc_op_name(int type)
{
    switch (type) {
    case PROTO_RC_ADD:
        return "add";
    case PROTO_RC_REMOVE:
        return "remove";
    case PROTO_RC_SET:
        return "set";
    case PROTO_RC_ROTATE:
        return "rotate";
    case PROTO_RC_ROTATE_COMPROMISED:
        return "rotate-compromised";
    case PROTO_RC_QUORUM:
        return "quorum";
    default:
        return NULL;
    }
}

/* The number of elements of each op's array, by type (0: not a type). */
static uint32_t op_fields(uint64_t type)
{
    switch (type) {
    case PROTO_RC_ADD:
        return 4;
    case PROTO_RC_REMOVE:
        return 2;
    case PROTO_RC_SET:
        return 4;
    case PROTO_RC_ROTATE:
        return 3;
    case PROTO_RC_ROTATE_COMPROMISED:
        return 5;
    case PROTO_RC_QUORUM:
        return 2;
    default:
        return 0;
    }
}

static size_t count_authorities(const proto_roster *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->count; i++)
        n += r->members[i].role == PROTO_ROLE_AUTHORITY;
    return n;
}

uint32_t proto_rosterchain_quorum_need(uint64_t quorum, size_t authorities)
{
    if (quorum == PROTO_QUORUM_MAJORITY)
        return (uint32_t)(authorities / 2u + 1u);
    return (uint32_t)quorum;
}

/* A quorum rule is valid for a roster with `authorities` authorities (at least one). */
static bool quorum_ok(uint64_t quorum, size_t authorities)
{
    return authorities >= 1 && quorum <= RN_ROSTERCHAIN_SIGS_MAX && quorum <= authorities;
}

/* ---- Genesis ---- */

static int federation_check(const uint8_t *s, size_t len)
{
    if (len == 0 || len > RN_ROSTERCHAIN_FEDERATION_BYTES_MAX)
        return RN_ELEN;
    if (!mp_utf8_valid(s, len))
        return RN_EUTF8;
    /* A name people read, and a C string once decoded: no control characters, NUL included. */
    for (size_t i = 0; i < len; i++)
        if (s[i] < 0x20 || s[i] == 0x7f)
            return RN_EUTF8;
    return 0;
}

int proto_rosterchain_genesis_encode(const char *federation, size_t federation_len, uint64_t quorum,
                                     uint64_t issued_at, const proto_roster *members, mp_buf *b)
{
    RN_TRY(federation_check((const uint8_t *)federation, federation_len));
    if (!quorum_ok(quorum, count_authorities(members)))
        return RN_ECOUNT;
    if (issued_at > RN_TIME_MS_MAX)
        return RN_ETIME;
    mp_put_array(b, 5);
    mp_put_uint(b, 1);
    mp_put_str(b, federation, federation_len);
    mp_put_uint(b, quorum);
    mp_put_uint(b, issued_at);
    RN_TRY(proto_roster_encode(members, b));
    return mp_buf_err(b);
}

/* Makes room for one more version. */
static int versions_reserve(proto_rosterchain *ch)
{
    if (ch->versions_n == ch->versions_cap) {
        if (ch->versions_cap >= RN_ROSTERCHAIN_VERSIONS_MAX)
            return RN_ECOUNT;
        size_t cap = ch->versions_cap == 0 ? 16 : ch->versions_cap * 2;
        if (cap > RN_ROSTERCHAIN_VERSIONS_MAX)
            cap = RN_ROSTERCHAIN_VERSIONS_MAX;
        proto_rc_version *nv = realloc(ch->versions, cap * sizeof(*nv));
        if (nv == NULL)
            return RN_ENOMEM;
        ch->versions = nv;
        ch->versions_cap = cap;
    }
    return 0;
}

static int versions_push(proto_rosterchain *ch, const proto_rc_version *v)
{
    RN_TRY(versions_reserve(ch));
    ch->versions[ch->versions_n++] = *v;
    return 0;
}

/* Makes room for `more` periods. */
static int periods_reserve(proto_rosterchain *ch, size_t more)
{
    if (more > RN_ROSTERCHAIN_PERIODS_MAX - ch->periods_n)
        return RN_ECOUNT;
    size_t need = ch->periods_n + more;
    if (need <= ch->periods_cap)
        return 0;
    size_t cap = ch->periods_cap == 0 ? 64 : ch->periods_cap;
    while (cap < need)
        cap *= 2;
    if (cap > RN_ROSTERCHAIN_PERIODS_MAX)
        cap = RN_ROSTERCHAIN_PERIODS_MAX;
    proto_rc_period *np = realloc(ch->periods, cap * sizeof(*np));
    if (np == NULL)
        return RN_ENOMEM;
    ch->periods = np;
    ch->periods_cap = cap;
    return 0;
}

static void period_begin(proto_rosterchain *ch, const uint8_t key[PROTO_KEY_BYTES],
                         const char *country, proto_role role, uint64_t from)
{
    RN_ASSERT(ch->periods_n < ch->periods_cap);
    proto_rc_period *p = &ch->periods[ch->periods_n++];
    memset(p, 0, sizeof(*p));
    memcpy(p->key, key, PROTO_KEY_BYTES);
    memcpy(p->country, country, sizeof(p->country));
    p->role = role;
    p->from = from;
}

/* The period of `key` in force now, or NULL. Periods in force are few per key (one). */
static proto_rc_period *period_open(const proto_rosterchain *ch, const uint8_t key[PROTO_KEY_BYTES])
{
    for (size_t i = ch->periods_n; i-- > 0;)
        if (ch->periods[i].until == 0 && memcmp(ch->periods[i].key, key, PROTO_KEY_BYTES) == 0)
            return &ch->periods[i];
    return NULL;
}

void proto_rosterchain_free(proto_rosterchain *ch)
{
    proto_roster_free(&ch->current);
    free(ch->versions);
    free(ch->periods);
    memset(ch, 0, sizeof(*ch));
}

int proto_rosterchain_init(proto_rosterchain *ch, const uint8_t *buf, size_t len, rn_diag *d)
{
    mp_cur c;
    uint32_t n, flen;
    uint64_t version, quorum, issued_at;
    const uint8_t *fed, *members;
    proto_rc_version v;
    int rc;

    memset(ch, 0, sizeof(*ch));
    if (len > RN_ROSTERCHAIN_GENESIS_BYTES_MAX)
        return rn_fail(d, RN_ETOOBIG, "genesis");
    mp_cur_init(&c, buf, len);
    if ((rc = mp_read_array(&c, &n)) < 0)
        return rn_fail(d, rc, "genesis");
    if (n != 5)
        return rn_fail(d, RN_ECOUNT, "genesis");
    RN_FIELD(d, mp_read_uint(&c, &version), "genesis.version");
    if (version != 1)
        return rn_fail(d, RN_EVERSION, "genesis.version");
    RN_FIELD(d, mp_read_str(&c, &fed, &flen), "genesis.federation");
    RN_FIELD(d, federation_check(fed, flen), "genesis.federation");
    RN_FIELD(d, mp_read_uint(&c, &quorum), "genesis.quorum");
    RN_FIELD(d, mp_read_uint(&c, &issued_at), "genesis.issued_at");
    if (issued_at > RN_TIME_MS_MAX)
        return rn_fail(d, RN_ETIME, "genesis.issued_at");
    members = c.p;
    RN_FIELD(d, mp_skip_at(&c, 1), "genesis.members");
    if (c.p != c.end)
        return rn_fail(d, RN_ETRAILING, "genesis");

    if ((rc = proto_roster_init(&ch->current, RN_ROSTER_MEMBERS_MAX)) < 0)
        return rn_fail(d, rc, "genesis");
    RN_GUARD(rc, proto_roster_decode(&ch->current, members, (size_t)(c.p - members), d));
    size_t auth = count_authorities(&ch->current);
    if (auth == 0) {
        rc = rn_fail(d, RN_ECOUNT, "roster.authorities");
        goto out;
    }
    if (!quorum_ok(quorum, auth)) {
        rc = rn_fail(d, RN_ECOUNT, "genesis.quorum");
        goto out;
    }
    memcpy(ch->federation, fed, flen);
    ch->federation[flen] = '\0';
    memset(&v, 0, sizeof(v));
    crypto_generichash(v.hash, PROTO_ID_BYTES, buf, len, NULL, 0);
    v.issued_at = issued_at;
    v.quorum = quorum;
    RN_GUARD(rc, versions_push(ch, &v));
    RN_GUARD(rc, periods_reserve(ch, ch->current.count));
    for (size_t i = 0; i < ch->current.count; i++) {
        const proto_member *m = &ch->current.members[i];
        period_begin(ch, m->key, m->country, m->role, 1);
    }
    return 0;
out:
    if (d != NULL && d->code == 0)
        rn_fail(d, rc, "genesis");
    proto_rosterchain_free(ch);
    return rc;
}

uint64_t proto_rosterchain_version(const proto_rosterchain *ch)
{
    return ch->versions_n;
}

/* ---- Change documents ---- */

static void put_key(mp_buf *b, const uint8_t *key)
{
    mp_put_bin(b, key, PROTO_KEY_BYTES);
}

int proto_rosterchain_body_encode(const proto_rc_change *c, mp_buf *b)
{
    RN_ASSERT(c->ops_n >= 1 && c->ops_n <= RN_ROSTERCHAIN_OPS_MAX);
    mp_put_array(b, 4);
    mp_put_uint(b, c->version);
    mp_put_bin(b, c->prev, PROTO_ID_BYTES);
    mp_put_uint(b, c->issued_at);
    mp_put_array(b, c->ops_n);
    for (uint32_t i = 0; i < c->ops_n; i++) {
        const proto_rc_op *o = &c->ops[i];
        uint32_t nf = op_fields(o->type);
        RN_ASSERT(nf != 0);
        mp_put_array(b, nf);
        mp_put_uint(b, (uint64_t)o->type);
        switch (o->type) {
        case PROTO_RC_ADD:
            mp_put_str(b, o->country, strlen(o->country));
            mp_put_uint(b, (uint64_t)o->role);
            put_key(b, o->key);
            break;
        case PROTO_RC_REMOVE:
            put_key(b, o->key);
            break;
        case PROTO_RC_SET:
            put_key(b, o->key);
            mp_put_str(b, o->country, strlen(o->country));
            mp_put_uint(b, (uint64_t)o->role);
            break;
        case PROTO_RC_ROTATE:
            put_key(b, o->key);
            put_key(b, o->new_key);
            break;
        case PROTO_RC_ROTATE_COMPROMISED:
            put_key(b, o->key);
            put_key(b, o->new_key);
            mp_put_uint(b, o->last_seq);
            if (o->last_seq == 0)
                mp_put_nil(b);
            else
                mp_put_bin(b, o->last_id, PROTO_ID_BYTES);
            break;
        case PROTO_RC_QUORUM:
            mp_put_uint(b, o->quorum);
            break;
        default:
            RN_ASSERT(0 && "unknown op type");
        }
    }
    return mp_buf_err(b);
}

int proto_rosterchain_change_encode(const proto_rc_change *c, mp_buf *b)
{
    RN_ASSERT(c->sigs_n <= RN_ROSTERCHAIN_SIGS_MAX);
    mp_put_array(b, 2);
    RN_TRY(proto_rosterchain_body_encode(c, b));
    mp_put_array(b, c->sigs_n);
    for (uint32_t i = 0; i < c->sigs_n; i++) {
        mp_put_array(b, 2);
        put_key(b, c->sigs[i].key);
        mp_put_bin(b, c->sigs[i].sig, PROTO_SIG_BYTES);
    }
    return mp_buf_err(b);
}

int proto_rosterchain_change_hash(const proto_rc_change *c, uint8_t out[PROTO_ID_BYTES])
{
    mp_buf b;
    mp_buf_init(&b, RN_ROSTERCHAIN_CHANGE_BYTES_MAX);
    int rc = proto_rosterchain_body_encode(c, &b);
    if (rc == 0)
        crypto_generichash(out, PROTO_ID_BYTES, b.data, b.len, NULL, 0);
    mp_buf_free(&b);
    return rc;
}

static int read_key(mp_cur *c, uint8_t out[PROTO_KEY_BYTES])
{
    const uint8_t *k;
    RN_TRY(mp_read_bin_exact(c, &k, PROTO_KEY_BYTES));
    if (!crypto_core_ed25519_is_valid_point(k))
        return RN_EKEY;
    memcpy(out, k, PROTO_KEY_BYTES);
    return 0;
}

static int read_country(mp_cur *c, char out[3])
{
    const uint8_t *s;
    uint32_t len;
    RN_TRY(mp_read_str(c, &s, &len));
    if (len != 0 && !proto_country_is_canonical((const char *)s, len))
        return RN_ECOUNTRY;
    memcpy(out, s, len);
    out[len] = '\0';
    return 0;
}

static int read_role(mp_cur *c, proto_role *out)
{
    uint64_t r;
    RN_TRY(mp_read_uint(c, &r));
    if (r != PROTO_ROLE_AUTHORITY && r != PROTO_ROLE_MIRROR)
        return RN_EENUM;
    *out = (proto_role)r;
    return 0;
}

/* One op at position i (0-based) of the ops list. */
static int op_decode(mp_cur *c, proto_rc_op *o, uint32_t i, rn_diag *d)
{
    uint32_t n;
    uint64_t type;
    size_t at = (size_t)i + 1;
    int rc;

    memset(o, 0, sizeof(*o));
    if ((rc = mp_read_array(c, &n)) < 0)
        return rn_fail_at(d, rc, "ops", at);
    if (n == 0)
        return rn_fail_at(d, RN_ECOUNT, "ops", at);
    if ((rc = mp_read_uint(c, &type)) < 0)
        return rn_fail_at(d, rc, "ops.type", at);
    if (op_fields(type) == 0)
        return rn_fail_at(d, RN_EENUM, "ops.type", at);
    if (n != op_fields(type))
        return rn_fail_at(d, RN_ECOUNT, "ops", at);
    o->type = (proto_rc_optype)type;
#define OP_FIELD(expr, name)                                                                       \
    do {                                                                                           \
        if ((rc = (expr)) < 0)                                                                     \
            return rn_fail_at(d, rc, (name), at);                                                  \
    } while (0)
    switch (o->type) {
    case PROTO_RC_ADD:
        OP_FIELD(read_country(c, o->country), "ops.country");
        OP_FIELD(read_role(c, &o->role), "ops.role");
        OP_FIELD(read_key(c, o->key), "ops.key");
        break;
    case PROTO_RC_REMOVE:
        OP_FIELD(read_key(c, o->key), "ops.key");
        break;
    case PROTO_RC_SET:
        OP_FIELD(read_key(c, o->key), "ops.key");
        OP_FIELD(read_country(c, o->country), "ops.country");
        OP_FIELD(read_role(c, &o->role), "ops.role");
        break;
    case PROTO_RC_ROTATE:
        OP_FIELD(read_key(c, o->key), "ops.key");
        OP_FIELD(read_key(c, o->new_key), "ops.new_key");
        break;
    case PROTO_RC_ROTATE_COMPROMISED: {
        const uint8_t *id;
        OP_FIELD(read_key(c, o->key), "ops.key");
        OP_FIELD(read_key(c, o->new_key), "ops.new_key");
        OP_FIELD(mp_read_uint(c, &o->last_seq), "ops.last_seq");
        if (o->last_seq > RN_SEQ_MAX)
            return rn_fail_at(d, RN_ESEQ, "ops.last_seq", at);
        if (mp_peek(c) == MP_NIL) {
            OP_FIELD(mp_read_nil(c), "ops.last_id");
            if (o->last_seq != 0)
                return rn_fail_at(d, RN_EINCONSISTENT, "ops.last_id", at);
        } else {
            OP_FIELD(mp_read_bin_exact(c, &id, PROTO_ID_BYTES), "ops.last_id");
            if (o->last_seq == 0)
                return rn_fail_at(d, RN_EINCONSISTENT, "ops.last_id", at);
            memcpy(o->last_id, id, PROTO_ID_BYTES);
        }
        break;
    }
    case PROTO_RC_QUORUM:
        OP_FIELD(mp_read_uint(c, &o->quorum), "ops.quorum");
        if (o->quorum > RN_ROSTERCHAIN_SIGS_MAX)
            return rn_fail_at(d, RN_ECOUNT, "ops.quorum", at);
        break;
    default:
        RN_ASSERT(0 && "op type checked above");
    }
#undef OP_FIELD
    return 0;
}

int proto_rosterchain_change_decode(proto_rc_change *ch, const uint8_t *buf, size_t len, rn_diag *d)
{
    mp_cur c;
    uint32_t n;
    const uint8_t *prev;
    int rc;

    memset(ch, 0, sizeof(*ch));
    if (len > RN_ROSTERCHAIN_CHANGE_BYTES_MAX)
        return rn_fail(d, RN_ETOOBIG, "change");
    mp_cur_init(&c, buf, len);
    RN_FIELD(d, mp_read_array(&c, &n), "change");
    if (n != 2)
        return rn_fail(d, RN_ECOUNT, "change");
    RN_FIELD(d, mp_read_array(&c, &n), "change.body");
    if (n != 4)
        return rn_fail(d, RN_ECOUNT, "change.body");
    RN_FIELD(d, mp_read_uint(&c, &ch->version), "change.version");
    if (ch->version < 2 || ch->version > RN_ROSTERCHAIN_VERSIONS_MAX)
        return rn_fail(d, RN_ESEQ, "change.version");
    RN_FIELD(d, mp_read_bin_exact(&c, &prev, PROTO_ID_BYTES), "change.prev");
    memcpy(ch->prev, prev, PROTO_ID_BYTES);
    RN_FIELD(d, mp_read_uint(&c, &ch->issued_at), "change.issued_at");
    if (ch->issued_at > RN_TIME_MS_MAX)
        return rn_fail(d, RN_ETIME, "change.issued_at");
    RN_FIELD(d, mp_read_array(&c, &n), "change.ops");
    if (n == 0 || n > RN_ROSTERCHAIN_OPS_MAX)
        return rn_fail(d, RN_ECOUNT, "change.ops");
    for (uint32_t i = 0; i < n; i++)
        RN_TRY(op_decode(&c, &ch->ops[i], i, d));
    ch->ops_n = n;
    RN_FIELD(d, mp_read_array(&c, &n), "change.signatures");
    if (n > RN_ROSTERCHAIN_SIGS_MAX)
        return rn_fail(d, RN_ECOUNT, "change.signatures");
    for (uint32_t i = 0; i < n; i++) {
        uint32_t f;
        const uint8_t *sig;
        proto_rc_sig *s = &ch->sigs[i];
        size_t at = (size_t)i + 1;
        if ((rc = mp_read_array(&c, &f)) < 0)
            return rn_fail_at(d, rc, "signatures", at);
        if (f != 2)
            return rn_fail_at(d, RN_ECOUNT, "signatures", at);
        if ((rc = read_key(&c, s->key)) < 0)
            return rn_fail_at(d, rc, "signatures.key", at);
        if (i > 0) {
            int cmp = memcmp(ch->sigs[i - 1].key, s->key, PROTO_KEY_BYTES);
            if (cmp >= 0)
                return rn_fail_at(d, cmp == 0 ? RN_EDUPLICATE : RN_EFIELDORDER, "signatures.key",
                                  at);
        }
        if ((rc = mp_read_bin_exact(&c, &sig, PROTO_SIG_BYTES)) < 0)
            return rn_fail_at(d, rc, "signatures.sig", at);
        memcpy(s->sig, sig, PROTO_SIG_BYTES);
    }
    ch->sigs_n = n;
    if (c.p != c.end)
        return rn_fail(d, RN_ETRAILING, "change");
    return 0;
}

/* The 55-byte message an authority signs: DOMAIN || H(body). */
static int signed_message(const proto_rc_change *c,
                          uint8_t msg[PROTO_ROSTERCHAIN_DOMAIN_LEN + PROTO_ID_BYTES])
{
    memcpy(msg, PROTO_ROSTERCHAIN_DOMAIN, PROTO_ROSTERCHAIN_DOMAIN_LEN);
    return proto_rosterchain_change_hash(c, msg + PROTO_ROSTERCHAIN_DOMAIN_LEN);
}

int proto_rosterchain_change_sign(proto_rc_change *c, const uint8_t sk[static PROTO_SK_BYTES],
                                  const uint8_t pk[static PROTO_KEY_BYTES])
{
    uint8_t msg[PROTO_ROSTERCHAIN_DOMAIN_LEN + PROTO_ID_BYTES];
    RN_TRY(signed_message(c, msg));
    uint32_t at = 0;
    while (at < c->sigs_n && memcmp(c->sigs[at].key, pk, PROTO_KEY_BYTES) < 0)
        at++;
    bool replace = at < c->sigs_n && memcmp(c->sigs[at].key, pk, PROTO_KEY_BYTES) == 0;
    if (!replace) {
        if (c->sigs_n == RN_ROSTERCHAIN_SIGS_MAX)
            return RN_ECOUNT;
        memmove(&c->sigs[at + 1], &c->sigs[at], (c->sigs_n - at) * sizeof(c->sigs[0]));
        c->sigs_n++;
        memcpy(c->sigs[at].key, pk, PROTO_KEY_BYTES);
    }
    crypto_sign_detached(c->sigs[at].sig, NULL, msg, sizeof(msg), sk);
    return 0;
}

int proto_rosterchain_change_start(const proto_rosterchain *ch, uint64_t issued_at,
                                   proto_rc_change *c)
{
    RN_ASSERT(ch->versions_n >= 1);
    const proto_rc_version *last = &ch->versions[ch->versions_n - 1];
    if (issued_at < last->issued_at || issued_at > RN_TIME_MS_MAX)
        return RN_ETIME;
    if (ch->versions_n >= RN_ROSTERCHAIN_VERSIONS_MAX)
        return RN_ECOUNT;
    memset(c, 0, sizeof(*c));
    c->version = ch->versions_n + 1;
    memcpy(c->prev, last->hash, PROTO_ID_BYTES);
    c->issued_at = issued_at;
    return 0;
}

/* ---- Verifying and applying ---- */

/* The result of applying a change's ops: the new members and the new quorum rule. */
typedef struct applied {
    proto_member members[RN_ROSTER_MEMBERS_MAX + RN_ROSTERCHAIN_OPS_MAX];
    size_t count;
    uint64_t quorum;
    proto_roster roster; /* the members validated by proto_roster_add */
} applied;

static proto_member *member_find(applied *a, const uint8_t key[PROTO_KEY_BYTES])
{
    for (size_t i = 0; i < a->count; i++)
        if (memcmp(a->members[i].key, key, PROTO_KEY_BYTES) == 0)
            return &a->members[i];
    return NULL;
}

/* Whether `key` has been a member at any version of the chain. Keys are single-use: a key that
 * left (or was rotated away from, perhaps as compromised) never comes back, so each key has one
 * lineage and an old proof names one member. */
static bool ever_member(const proto_rosterchain *ch, const uint8_t *key)
{
    for (size_t i = 0; i < ch->periods_n; i++)
        if (memcmp(ch->periods[i].key, key, PROTO_KEY_BYTES) == 0)
            return true;
    return false;
}

/* Whether key `k` is named (as key or new key) by an op before op i. */
static bool named_before(const proto_rc_change *c, uint32_t i, const uint8_t *k)
{
    for (uint32_t j = 0; j < i; j++) {
        const proto_rc_op *o = &c->ops[j];
        if (o->type == PROTO_RC_QUORUM)
            continue;
        if (memcmp(o->key, k, PROTO_KEY_BYTES) == 0)
            return true;
        if ((o->type == PROTO_RC_ROTATE || o->type == PROTO_RC_ROTATE_COMPROMISED) &&
            memcmp(o->new_key, k, PROTO_KEY_BYTES) == 0)
            return true;
    }
    return false;
}

/* Applies the ops of `c` to the roster in force into `a` (whose roster it initialises). */
static int ops_apply(const proto_rosterchain *ch, const proto_rc_change *c, applied *a, rn_diag *d)
{
    const proto_roster *cur = &ch->current;
    bool quorum_seen = false;
    int rc;

    memcpy(a->members, cur->members, cur->count * sizeof(*cur->members));
    a->count = cur->count;
    a->quorum = ch->versions[ch->versions_n - 1].quorum;
    for (uint32_t i = 0; i < c->ops_n; i++) {
        const proto_rc_op *o = &c->ops[i];
        size_t at = (size_t)i + 1;
        if (o->type == PROTO_RC_QUORUM) {
            if (quorum_seen)
                return rn_fail_at(d, RN_EDUPLICATE, "ops.quorum", at);
            quorum_seen = true;
            a->quorum = o->quorum;
            continue;
        }
        if (named_before(c, i, o->key))
            return rn_fail_at(d, RN_EDUPLICATE, "ops.key", at);
        proto_member *m = member_find(a, o->key);
        if (o->type == PROTO_RC_ADD) {
            if (m != NULL || ever_member(ch, o->key))
                return rn_fail_at(d, RN_EDUPLICATE, "ops.key", at);
            if (o->role == PROTO_ROLE_AUTHORITY && o->country[0] == '\0')
                return rn_fail_at(d, RN_ECOUNTRY, "ops.country", at);
            RN_ASSERT(a->count < sizeof(a->members) / sizeof(a->members[0]));
            m = &a->members[a->count++];
            memcpy(m->key, o->key, PROTO_KEY_BYTES);
            memcpy(m->country, o->country, sizeof(m->country));
            m->role = o->role;
            continue;
        }
        if (m == NULL)
            return rn_fail_at(d, RN_EROSTER, "ops.key", at);
        switch (o->type) {
        case PROTO_RC_REMOVE:
            *m = a->members[--a->count];
            break;
        case PROTO_RC_SET:
            if (m->role == o->role && strcmp(m->country, o->country) == 0)
                return rn_fail_at(d, RN_EINCONSISTENT, "ops.role", at);
            if (o->role == PROTO_ROLE_AUTHORITY && o->country[0] == '\0')
                return rn_fail_at(d, RN_ECOUNTRY, "ops.country", at);
            memcpy(m->country, o->country, sizeof(m->country));
            m->role = o->role;
            break;
        case PROTO_RC_ROTATE:
        case PROTO_RC_ROTATE_COMPROMISED:
            if (m->role != PROTO_ROLE_AUTHORITY)
                return rn_fail_at(d, RN_EROLE, "ops.key", at);
            if (named_before(c, i, o->new_key) || member_find(a, o->new_key) != NULL ||
                ever_member(ch, o->new_key))
                return rn_fail_at(d, RN_EDUPLICATE, "ops.new_key", at);
            memcpy(m->key, o->new_key, PROTO_KEY_BYTES);
            break;
        default:
            RN_ASSERT(0 && "op type checked by the decoder");
        }
    }
    /* The result is built through proto_roster_add: the rules of a valid roster, once. */
    if (a->count > RN_ROSTER_MEMBERS_MAX)
        return rn_fail(d, RN_ECOUNT, "roster");
    if ((rc = proto_roster_init(&a->roster, RN_ROSTER_MEMBERS_MAX)) < 0)
        return rn_fail(d, rc, "roster");
    for (size_t i = 0; i < a->count; i++) {
        const proto_member *m = &a->members[i];
        rc = proto_roster_add(&a->roster, m->country, strlen(m->country), m->role, m->key);
        if (rc < 0)
            return rn_fail(d, rc, rc == RN_EKEY ? "roster.key" : "roster.country");
    }
    size_t auth = count_authorities(&a->roster);
    if (auth == 0)
        return rn_fail(d, RN_ECOUNT, "roster.authorities");
    if (!quorum_ok(a->quorum, auth))
        return rn_fail(d, RN_ECOUNT, "quorum");
    return 0;
}

/* Checks version, prev and time against the chain's last version. */
static int check_link(const proto_rosterchain *ch, const proto_rc_change *c, rn_diag *d)
{
    RN_ASSERT(ch->versions_n >= 1);
    const proto_rc_version *last = &ch->versions[ch->versions_n - 1];
    if (c->version != ch->versions_n + 1)
        return rn_fail(d, RN_ESEQ, "change.version");
    if (sodium_memcmp(c->prev, last->hash, PROTO_ID_BYTES) != 0)
        return rn_fail(d, RN_EPREV, "change.prev");
    if (c->issued_at < last->issued_at)
        return rn_fail(d, RN_ETIME, "change.issued_at");
    if (ch->versions_n >= RN_ROSTERCHAIN_VERSIONS_MAX)
        return rn_fail(d, RN_ECOUNT, "change.version");
    return 0;
}

int proto_rosterchain_check(const proto_rosterchain *ch, const proto_rc_change *c, rn_diag *d)
{
    RN_TRY(check_link(ch, c, d));
    applied *a = calloc(1, sizeof(*a));
    if (a == NULL)
        return rn_fail(d, RN_ENOMEM, "change");
    int rc = ops_apply(ch, c, a, d);
    proto_roster_free(&a->roster);
    free(a);
    return rc;
}

/* Verifies the signatures of `c` against the roster in force; sets *signers to the number of
 * distinct authorities that signed. */
static int check_signatures(const proto_rosterchain *ch, const proto_rc_change *c,
                            uint32_t *signers, rn_diag *d)
{
    uint8_t msg[PROTO_ROSTERCHAIN_DOMAIN_LEN + PROTO_ID_BYTES];
    uint32_t distinct = 0;
    int rc;

    if ((rc = signed_message(c, msg)) < 0)
        return rn_fail(d, rc, "change");
    for (uint32_t i = 0; i < c->sigs_n; i++) {
        const proto_rc_sig *s = &c->sigs[i];
        size_t at = (size_t)i + 1;
        const proto_member *m = proto_roster_find(&ch->current, s->key);
        if (m == NULL)
            return rn_fail_at(d, RN_EROSTER, "signatures.key", at);
        if (m->role != PROTO_ROLE_AUTHORITY)
            return rn_fail_at(d, RN_EROLE, "signatures.key", at);
        if (crypto_sign_verify_detached(s->sig, msg, sizeof(msg), s->key) != 0)
            return rn_fail_at(d, RN_ESIG, "signatures.sig", at);
        bool seen = false;
        for (uint32_t j = 0; j < i && !seen; j++)
            seen = memcmp(c->sigs[j].key, s->key, PROTO_KEY_BYTES) == 0;
        distinct += !seen;
    }
    const proto_rc_version *last = &ch->versions[ch->versions_n - 1];
    if (distinct < proto_rosterchain_quorum_need(last->quorum, count_authorities(&ch->current)))
        return rn_fail(d, RN_EQUORUM, "change.signatures");
    for (uint32_t i = 0; i < c->ops_n; i++) {
        if (c->ops[i].type != PROTO_RC_ROTATE)
            continue;
        bool signed_old = false;
        for (uint32_t j = 0; j < c->sigs_n && !signed_old; j++)
            signed_old = memcmp(c->sigs[j].key, c->ops[i].key, PROTO_KEY_BYTES) == 0;
        if (!signed_old)
            return rn_fail_at(d, RN_EMISSING, "ops.key", (size_t)i + 1);
    }
    *signers = distinct;
    return 0;
}

/* Records the change's ops in the key periods, as version `v`. */
static void periods_record(proto_rosterchain *ch, const proto_rc_change *c, uint64_t v)
{
    for (uint32_t i = 0; i < c->ops_n; i++) {
        const proto_rc_op *o = &c->ops[i];
        if (o->type == PROTO_RC_QUORUM)
            continue;
        if (o->type == PROTO_RC_ADD) {
            period_begin(ch, o->key, o->country, o->role, v);
            continue;
        }
        proto_rc_period *p = period_open(ch, o->key);
        RN_ASSERT(p != NULL);
        p->until = v;
        switch (o->type) {
        case PROTO_RC_REMOVE:
            p->end = PROTO_RC_END_REMOVED;
            break;
        case PROTO_RC_SET:
            p->end = PROTO_RC_END_SET;
            period_begin(ch, o->key, o->country, o->role, v);
            break;
        case PROTO_RC_ROTATE:
        case PROTO_RC_ROTATE_COMPROMISED: {
            char country[3];
            proto_role role = p->role;
            memcpy(country, p->country, sizeof(country));
            p->end = o->type == PROTO_RC_ROTATE ? PROTO_RC_END_ROTATED : PROTO_RC_END_COMPROMISED;
            memcpy(p->next, o->new_key, PROTO_KEY_BYTES);
            p->last_seq = o->last_seq;
            memcpy(p->last_id, o->last_id, PROTO_ID_BYTES);
            period_begin(ch, o->new_key, country, role, v); /* p may have moved: not used after */
            break;
        }
        default:
            RN_ASSERT(0 && "op type checked by the decoder");
        }
    }
}

int proto_rosterchain_apply(proto_rosterchain *ch, const proto_rc_change *c, rn_diag *d)
{
    applied *a = NULL;
    proto_rc_version v;
    uint32_t signers = 0;
    int rc;

    RN_TRY(check_link(ch, c, d));
    a = calloc(1, sizeof(*a));
    if (a == NULL)
        return rn_fail(d, RN_ENOMEM, "change");
    RN_GUARD(rc, ops_apply(ch, c, a, d));
    RN_GUARD(rc, check_signatures(ch, c, &signers, d));
    /* Reserve everything first, so that nothing can fail once the chain starts to change. */
    if ((rc = periods_reserve(ch, 2u * c->ops_n)) < 0 || (rc = versions_reserve(ch)) < 0) {
        rn_fail(d, rc, "change");
        goto out;
    }
    memset(&v, 0, sizeof(v));
    RN_GUARD(rc, proto_rosterchain_change_hash(c, v.hash));
    v.issued_at = c->issued_at;
    v.quorum = a->quorum;
    v.signers = signers;
    rc = versions_push(ch, &v);
    RN_ASSERT(rc == 0);
    periods_record(ch, c, c->version);
    proto_roster_free(&ch->current);
    ch->current = a->roster;
    a->roster.members = NULL;
    a->roster.max = 0;
    RN_ASSERT(ch->versions_n == c->version);
out:
    proto_roster_free(&a->roster);
    free(a);
    return rc;
}

int proto_rosterchain_apply_bytes(proto_rosterchain *ch, const uint8_t *buf, size_t len, rn_diag *d)
{
    proto_rc_change *c = malloc(sizeof(*c));
    if (c == NULL)
        return rn_fail(d, RN_ENOMEM, "change");
    int rc = proto_rosterchain_change_decode(c, buf, len, d);
    if (rc == 0)
        rc = proto_rosterchain_apply(ch, c, d);
    free(c);
    return rc;
}

int proto_rosterchain_roster_at(const proto_rosterchain *ch, uint64_t version, proto_roster *out)
{
    if (version == 0 || version > ch->versions_n)
        return RN_ENOTFOUND;
    if (out->count != 0 || out->view)
        return RN_EINVAL;
    for (size_t i = 0; i < ch->periods_n; i++) {
        const proto_rc_period *p = &ch->periods[i];
        if (p->from > version || (p->until != 0 && p->until <= version))
            continue;
        int rc = proto_roster_add(out, p->country, strlen(p->country), p->role, p->key);
        RN_ASSERT(rc == 0 || rc == RN_ECOUNT);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int64_t proto_rosterchain_quorum_at(const proto_rosterchain *ch, uint64_t version)
{
    if (version == 0 || version > ch->versions_n)
        return RN_ENOTFOUND;
    return (int64_t)ch->versions[version - 1].quorum;
}

/* The period that ended by rotating to `key`, or NULL. */
static const proto_rc_period *rotated_to(const proto_rosterchain *ch, const uint8_t *key)
{
    for (size_t i = 0; i < ch->periods_n; i++) {
        const proto_rc_period *p = &ch->periods[i];
        if ((p->end == PROTO_RC_END_ROTATED || p->end == PROTO_RC_END_COMPROMISED) &&
            memcmp(p->next, key, PROTO_KEY_BYTES) == 0)
            return p;
    }
    return NULL;
}

int proto_rosterchain_history(const proto_rosterchain *ch, const uint8_t key[PROTO_KEY_BYTES],
                              const proto_rc_period **out, size_t max)
{
    uint8_t first[PROTO_KEY_BYTES], k[PROTO_KEY_BYTES];
    bool found = false;

    for (size_t i = 0; i < ch->periods_n && !found; i++)
        found = memcmp(ch->periods[i].key, key, PROTO_KEY_BYTES) == 0;
    if (!found)
        return RN_ENOTFOUND;
    /* Back to the lineage's first key. Keys are single-use (ever_member), so a key is the new
     * key of at most one rotation and the walk ends; it is bounded by the periods regardless. */
    memcpy(first, key, PROTO_KEY_BYTES);
    for (size_t steps = 0; steps < ch->periods_n; steps++) {
        const proto_rc_period *p = rotated_to(ch, first);
        if (p == NULL)
            break;
        memcpy(first, p->key, PROTO_KEY_BYTES);
    }
    /* Forward: every period of each key, then the key it rotated to. */
    size_t n = 0;
    memcpy(k, first, PROTO_KEY_BYTES);
    for (size_t steps = 0; steps < ch->periods_n; steps++) {
        const proto_rc_period *last = NULL;
        for (size_t i = 0; i < ch->periods_n; i++) {
            const proto_rc_period *p = &ch->periods[i];
            if (memcmp(p->key, k, PROTO_KEY_BYTES) != 0)
                continue;
            if (n < max)
                out[n] = p;
            n++;
            last = p;
            if (p->end == PROTO_RC_END_ROTATED || p->end == PROTO_RC_END_COMPROMISED)
                break;
        }
        if (last == NULL ||
            (last->end != PROTO_RC_END_ROTATED && last->end != PROTO_RC_END_COMPROMISED))
            break;
        memcpy(k, last->next, PROTO_KEY_BYTES);
    }
    return n > (size_t)INT32_MAX ? INT32_MAX : (int)n;
}
