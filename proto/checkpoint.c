/*
 * checkpoint.c: checkpoints, cosignatures, the witness rule, witnessed bundles and signed answers
 * (see checkpoint.h for the model, PROTOCOL.md sections 16 and 5.5 for the bytes).
 *
 * Workload: a node signs a checkpoint a minute and cosigns one per peer a minute; a verifier
 * checks a handful per bundle. A checkpoint has a few dozen heads in practice (one per author of
 * the federation), at most RN_CHECKPOINT_HEADS_MAX. Every decoder is the strict cursor of mp.h.
 */
#include "checkpoint.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define BODY_FIELDS       5u
#define CHECKPOINT_FIELDS 3u
#define HEAD_FIELDS       3u
#define COSIG_FIELDS      3u
#define ANSWER_FIELDS     5u

/* libsodium's secret key is the seed followed by the public key. */
#define SK_PK_OFFSET 32u

static_assert(RN_CHECKPOINT_COSIGS_MAX <= RN_PEERS_MAX, "one cosignature per peer at most");

static void be64(uint8_t out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)v;
        v >>= 8;
    }
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

static int read_time(mp_cur *c, uint64_t *t)
{
    RN_TRY(mp_read_uint(c, t));
    return *t > RN_TIME_MS_MAX ? RN_ETIME : 0;
}

/* ---- The body ---- */

/* The checks the decoder makes of a body, for the encoder. */
static int body_check(const proto_checkpoint *cp, rn_diag *d)
{
    if (!crypto_core_ed25519_is_valid_point(cp->signer))
        return rn_fail(d, RN_EKEY, "checkpoint.signer");
    if (cp->time_ms > RN_TIME_MS_MAX)
        return rn_fail(d, RN_ETIME, "checkpoint.time");
    if (cp->roster_version < 1 || cp->roster_version > RN_ROSTERCHAIN_VERSIONS_MAX)
        return rn_fail(d, RN_EVERSION, "checkpoint.roster_version");
    if (cp->heads_n < 1 || cp->heads_n > RN_CHECKPOINT_HEADS_MAX)
        return rn_fail(d, RN_ECOUNT, "checkpoint.heads");
    for (uint32_t i = 0; i < cp->heads_n; i++) {
        const proto_cp_head *h = &cp->heads[i];
        if (h->seq < 1 || h->seq > RN_SEQ_MAX)
            return rn_fail_at(d, RN_ESEQ, "checkpoint.heads.seq", i + 1);
        if (i > 0) {
            int cmp = memcmp(cp->heads[i - 1].author, h->author, PROTO_KEY_BYTES);
            if (cmp >= 0)
                return rn_fail_at(d, cmp == 0 ? RN_EDUPLICATE : RN_EFIELDORDER,
                                  "checkpoint.heads.author", i + 1);
        }
    }
    return 0;
}

int proto_checkpoint_body_encode(const proto_checkpoint *cp, mp_buf *b, rn_diag *d)
{
    RN_TRY(body_check(cp, d));
    size_t saved = b->len;
    mp_put_array(b, BODY_FIELDS);
    mp_put_uint(b, PROTO_CHECKPOINT_VERSION);
    mp_put_bin(b, cp->signer, PROTO_KEY_BYTES);
    mp_put_uint(b, cp->time_ms);
    mp_put_uint(b, cp->roster_version);
    mp_put_array(b, cp->heads_n);
    for (uint32_t i = 0; i < cp->heads_n; i++) {
        mp_put_array(b, HEAD_FIELDS);
        mp_put_bin(b, cp->heads[i].author, PROTO_KEY_BYTES);
        mp_put_uint(b, cp->heads[i].seq);
        mp_put_bin(b, cp->heads[i].id, PROTO_ID_BYTES);
    }
    int rc = mp_buf_err(b);
    if (rc < 0) {
        b->len = saved;
        return rn_fail(d, rc, "checkpoint");
    }
    return 0;
}

int proto_checkpoint_hash(const proto_checkpoint *cp, uint8_t out[PROTO_ID_BYTES])
{
    mp_buf b;
    mp_buf_init(&b, RN_CHECKPOINT_BODY_BYTES_MAX);
    int rc = proto_checkpoint_body_encode(cp, &b, NULL);
    if (rc == 0)
        crypto_generichash(out, PROTO_ID_BYTES, b.data, b.len, NULL, 0);
    mp_buf_free(&b);
    return rc;
}

/* DOMAIN || H(body): the 52 bytes the signer signs. */
static void signer_message(const uint8_t hash[PROTO_ID_BYTES],
                           uint8_t msg[PROTO_CHECKPOINT_TAG_LEN + PROTO_ID_BYTES])
{
    memcpy(msg, PROTO_CHECKPOINT_TAG, PROTO_CHECKPOINT_TAG_LEN);
    memcpy(msg + PROTO_CHECKPOINT_TAG_LEN, hash, PROTO_ID_BYTES);
}

/* DOMAIN || H(body) || be64(time): the 61 bytes a witness signs. */
static void cosig_message(const uint8_t hash[PROTO_ID_BYTES], uint64_t time_ms,
                          uint8_t msg[PROTO_COSIG_TAG_LEN + PROTO_ID_BYTES + 8u])
{
    memcpy(msg, PROTO_COSIG_TAG, PROTO_COSIG_TAG_LEN);
    memcpy(msg + PROTO_COSIG_TAG_LEN, hash, PROTO_ID_BYTES);
    be64(msg + PROTO_COSIG_TAG_LEN + PROTO_ID_BYTES, time_ms);
}

int proto_checkpoint_sign(proto_checkpoint *cp, const uint8_t sk[PROTO_SK_BYTES], rn_diag *d)
{
    uint8_t msg[PROTO_CHECKPOINT_TAG_LEN + PROTO_ID_BYTES];
    if (memcmp(sk + SK_PK_OFFSET, cp->signer, PROTO_KEY_BYTES) != 0)
        return rn_fail(d, RN_EINVAL, "checkpoint.signer");
    RN_TRY(proto_checkpoint_hash(cp, cp->hash));
    signer_message(cp->hash, msg);
    crypto_sign_detached(cp->sig, NULL, msg, sizeof(msg), sk);
    cp->cosigs_n = 0;
    return 0;
}

int proto_checkpoint_encode(const proto_checkpoint *cp, mp_buf *b, rn_diag *d)
{
    size_t saved = b->len;
    if (cp->cosigs_n > RN_CHECKPOINT_COSIGS_MAX)
        return rn_fail(d, RN_ECOUNT, "checkpoint.cosignatures");
    for (uint32_t i = 0; i < cp->cosigs_n; i++) {
        if (memcmp(cp->cosigs[i].witness, cp->signer, PROTO_KEY_BYTES) == 0 ||
            cp->cosigs[i].time_ms > RN_TIME_MS_MAX ||
            !crypto_core_ed25519_is_valid_point(cp->cosigs[i].witness) ||
            (i > 0 &&
             memcmp(cp->cosigs[i - 1].witness, cp->cosigs[i].witness, PROTO_KEY_BYTES) >= 0))
            return rn_fail_at(d, RN_EINVAL, "checkpoint.cosignatures", i + 1);
    }
    mp_put_array(b, CHECKPOINT_FIELDS);
    int rc = proto_checkpoint_body_encode(cp, b, d);
    if (rc < 0) {
        b->len = saved;
        return rc;
    }
    mp_put_bin(b, cp->sig, PROTO_SIG_BYTES);
    mp_put_array(b, cp->cosigs_n);
    for (uint32_t i = 0; i < cp->cosigs_n; i++) {
        mp_put_array(b, COSIG_FIELDS);
        mp_put_bin(b, cp->cosigs[i].witness, PROTO_KEY_BYTES);
        mp_put_uint(b, cp->cosigs[i].time_ms);
        mp_put_bin(b, cp->cosigs[i].sig, PROTO_SIG_BYTES);
    }
    rc = mp_buf_err(b);
    if (rc < 0) {
        b->len = saved;
        return rn_fail(d, rc, "checkpoint");
    }
    return 0;
}

static int decode_head(mp_cur *c, proto_cp_head *h, uint32_t i, rn_diag *d)
{
    uint32_t n;
    int rc;
    size_t at = (size_t)i + 1;
    if ((rc = mp_read_array(c, &n)) < 0)
        return rn_fail_at(d, rc, "checkpoint.heads", at);
    if (n != HEAD_FIELDS)
        return rn_fail_at(d, RN_ECOUNT, "checkpoint.heads", at);
    if ((rc = mp_read_bin_exact(c, &h->author, PROTO_KEY_BYTES)) < 0)
        return rn_fail_at(d, rc, "checkpoint.heads.author", at);
    if ((rc = mp_read_uint(c, &h->seq)) < 0)
        return rn_fail_at(d, rc, "checkpoint.heads.seq", at);
    if (h->seq < 1 || h->seq > RN_SEQ_MAX)
        return rn_fail_at(d, RN_ESEQ, "checkpoint.heads.seq", at);
    if ((rc = mp_read_bin_exact(c, &h->id, PROTO_ID_BYTES)) < 0)
        return rn_fail_at(d, rc, "checkpoint.heads.id", at);
    return 0;
}

static int decode_cosig(mp_cur *c, proto_cosig *s, uint32_t i, rn_diag *d)
{
    uint32_t n;
    int rc;
    const uint8_t *sig;
    size_t at = (size_t)i + 1;
    if ((rc = mp_read_array(c, &n)) < 0)
        return rn_fail_at(d, rc, "checkpoint.cosignatures", at);
    if (n != COSIG_FIELDS)
        return rn_fail_at(d, RN_ECOUNT, "checkpoint.cosignatures", at);
    if ((rc = read_key(c, s->witness)) < 0)
        return rn_fail_at(d, rc, "checkpoint.cosignatures.witness", at);
    if ((rc = read_time(c, &s->time_ms)) < 0)
        return rn_fail_at(d, rc, "checkpoint.cosignatures.time", at);
    if ((rc = mp_read_bin_exact(c, &sig, PROTO_SIG_BYTES)) < 0)
        return rn_fail_at(d, rc, "checkpoint.cosignatures.sig", at);
    memcpy(s->sig, sig, PROTO_SIG_BYTES);
    return 0;
}

int proto_checkpoint_decode(proto_checkpoint *cp, const uint8_t *buf, size_t len, rn_diag *d)
{
    mp_cur c;
    uint32_t n;
    uint64_t version;
    const uint8_t *sig;

    cp->heads_n = cp->cosigs_n = 0;
    if (len > RN_CHECKPOINT_BYTES_MAX)
        return rn_fail(d, RN_ETOOBIG, "checkpoint");
    mp_cur_init(&c, buf, len);
    RN_FIELD(d, mp_read_array(&c, &n), "checkpoint");
    if (n != CHECKPOINT_FIELDS)
        return rn_fail(d, RN_ECOUNT, "checkpoint");
    const uint8_t *body = c.p;
    RN_FIELD(d, mp_read_array(&c, &n), "checkpoint.body");
    if (n != BODY_FIELDS)
        return rn_fail(d, RN_ECOUNT, "checkpoint.body");
    RN_FIELD(d, mp_read_uint(&c, &version), "checkpoint.version");
    if (version != PROTO_CHECKPOINT_VERSION)
        return rn_fail(d, RN_EVERSION, "checkpoint.version");
    RN_FIELD(d, read_key(&c, cp->signer), "checkpoint.signer");
    RN_FIELD(d, read_time(&c, &cp->time_ms), "checkpoint.time");
    RN_FIELD(d, mp_read_uint(&c, &cp->roster_version), "checkpoint.roster_version");
    if (cp->roster_version < 1 || cp->roster_version > RN_ROSTERCHAIN_VERSIONS_MAX)
        return rn_fail(d, RN_EVERSION, "checkpoint.roster_version");
    RN_FIELD(d, mp_read_array(&c, &n), "checkpoint.heads");
    if (n < 1 || n > RN_CHECKPOINT_HEADS_MAX)
        return rn_fail(d, RN_ECOUNT, "checkpoint.heads");
    for (uint32_t i = 0; i < n; i++) {
        RN_TRY(decode_head(&c, &cp->heads[i], i, d));
        if (i > 0) {
            int cmp = memcmp(cp->heads[i - 1].author, cp->heads[i].author, PROTO_KEY_BYTES);
            if (cmp >= 0)
                return rn_fail_at(d, cmp == 0 ? RN_EDUPLICATE : RN_EFIELDORDER,
                                  "checkpoint.heads.author", i + 1);
        }
    }
    cp->heads_n = n;
    crypto_generichash(cp->hash, PROTO_ID_BYTES, body, (size_t)(c.p - body), NULL, 0);
    RN_FIELD(d, mp_read_bin_exact(&c, &sig, PROTO_SIG_BYTES), "checkpoint.signature");
    memcpy(cp->sig, sig, PROTO_SIG_BYTES);
    RN_FIELD(d, mp_read_array(&c, &n), "checkpoint.cosignatures");
    if (n > RN_CHECKPOINT_COSIGS_MAX)
        return rn_fail(d, RN_ECOUNT, "checkpoint.cosignatures");
    for (uint32_t i = 0; i < n; i++) {
        proto_cosig *s = &cp->cosigs[i];
        RN_TRY(decode_cosig(&c, s, i, d));
        if (memcmp(s->witness, cp->signer, PROTO_KEY_BYTES) == 0)
            return rn_fail_at(d, RN_EINCONSISTENT, "checkpoint.cosignatures.witness", i + 1);
        if (i > 0) {
            int cmp = memcmp(cp->cosigs[i - 1].witness, s->witness, PROTO_KEY_BYTES);
            if (cmp >= 0)
                return rn_fail_at(d, cmp == 0 ? RN_EDUPLICATE : RN_EFIELDORDER,
                                  "checkpoint.cosignatures.witness", i + 1);
        }
    }
    cp->cosigs_n = n;
    if (c.p != c.end)
        return rn_fail(d, RN_ETRAILING, "checkpoint");
    return 0;
}

const proto_cp_head *proto_checkpoint_head(const proto_checkpoint *cp,
                                           const uint8_t author[PROTO_KEY_BYTES])
{
    size_t lo = 0, hi = cp->heads_n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = memcmp(cp->heads[mid].author, author, PROTO_KEY_BYTES);
        if (cmp == 0)
            return &cp->heads[mid];
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* ---- Cosignatures and verification ---- */

void proto_cosig_make(const uint8_t hash[PROTO_ID_BYTES], uint64_t time_ms,
                      const uint8_t sk[PROTO_SK_BYTES], proto_cosig *out)
{
    uint8_t msg[PROTO_COSIG_TAG_LEN + PROTO_ID_BYTES + 8u];
    RN_ASSERT(time_ms <= RN_TIME_MS_MAX);
    cosig_message(hash, time_ms, msg);
    memcpy(out->witness, sk + SK_PK_OFFSET, PROTO_KEY_BYTES);
    out->time_ms = time_ms;
    crypto_sign_detached(out->sig, NULL, msg, sizeof(msg), sk);
}

int proto_cosig_verify(const uint8_t hash[PROTO_ID_BYTES], const proto_cosig *c)
{
    uint8_t msg[PROTO_COSIG_TAG_LEN + PROTO_ID_BYTES + 8u];
    cosig_message(hash, c->time_ms, msg);
    return crypto_sign_verify_detached(c->sig, msg, sizeof(msg), c->witness) == 0 ? 0 : RN_ESIG;
}

int proto_checkpoint_cosig_add(proto_checkpoint *cp, const proto_cosig *c,
                               const proto_roster *roster)
{
    if (memcmp(c->witness, cp->signer, PROTO_KEY_BYTES) == 0)
        return RN_EINCONSISTENT;
    if (!crypto_core_ed25519_is_valid_point(c->witness))
        return RN_EKEY;
    if (c->time_ms > RN_TIME_MS_MAX)
        return RN_ETIME;
    if (roster != NULL && proto_roster_find(roster, c->witness) == NULL)
        return RN_EROSTER;
    RN_TRY(proto_cosig_verify(cp->hash, c));
    uint32_t at = 0;
    while (at < cp->cosigs_n && memcmp(cp->cosigs[at].witness, c->witness, PROTO_KEY_BYTES) < 0)
        at++;
    if (at < cp->cosigs_n && memcmp(cp->cosigs[at].witness, c->witness, PROTO_KEY_BYTES) == 0) {
        if (c->time_ms > cp->cosigs[at].time_ms)
            cp->cosigs[at] = *c;
        return 0;
    }
    if (cp->cosigs_n == RN_CHECKPOINT_COSIGS_MAX)
        return RN_ECOUNT;
    memmove(&cp->cosigs[at + 1], &cp->cosigs[at], (cp->cosigs_n - at) * sizeof(cp->cosigs[0]));
    cp->cosigs[at] = *c;
    cp->cosigs_n++;
    return 0;
}

static int signer_verify(const proto_checkpoint *cp)
{
    uint8_t msg[PROTO_CHECKPOINT_TAG_LEN + PROTO_ID_BYTES];
    signer_message(cp->hash, msg);
    return crypto_sign_verify_detached(cp->sig, msg, sizeof(msg), cp->signer) == 0 ? 0 : RN_ESIG;
}

int proto_checkpoint_verify(const proto_checkpoint *cp, const proto_roster *roster,
                            uint32_t *witnesses, int status[RN_CHECKPOINT_COSIGS_MAX], rn_diag *d)
{
    uint32_t counted = 0;
    if (witnesses != NULL)
        *witnesses = 0;
    if (proto_roster_find(roster, cp->signer) == NULL)
        return rn_fail(d, RN_EROSTER, "checkpoint.signer");
    if (signer_verify(cp) != 0)
        return rn_fail(d, RN_ESIG, "checkpoint.signature");
    for (uint32_t i = 0; i < cp->cosigs_n; i++) {
        const proto_cosig *c = &cp->cosigs[i];
        if (proto_cosig_verify(cp->hash, c) != 0)
            return rn_fail_at(d, RN_ESIG, "checkpoint.cosignatures.sig", i + 1);
        bool member = proto_roster_find(roster, c->witness) != NULL;
        if (status != NULL)
            status[i] = member ? 0 : RN_EROSTER;
        counted += member;
    }
    if (witnesses != NULL)
        *witnesses = counted;
    return 0;
}

/* ---- The witness rule ---- */

int proto_witness_decide(const proto_witness_view *v, const proto_checkpoint *cp, rn_diag *d)
{
    uint64_t skew = cp->time_ms > v->now_ms ? cp->time_ms - v->now_ms : v->now_ms - cp->time_ms;
    if (skew > PROTO_WITNESS_SKEW_MS)
        return rn_fail(d, RN_ETIME, "checkpoint.time");
    if (memcmp(cp->signer, v->self, PROTO_KEY_BYTES) == 0)
        return rn_fail(d, RN_EINCONSISTENT, "checkpoint.signer");
    if (proto_roster_find(v->roster, cp->signer) == NULL)
        return rn_fail(d, RN_EROSTER, "checkpoint.signer");
    if (signer_verify(cp) != 0)
        return rn_fail(d, RN_ESIG, "checkpoint.signature");
    /* A split view is looked for in every head before any other refusal, so that a checkpoint
     * also refused for another reason (a head below one cosigned, a gap) still yields its
     * evidence. */
    size_t below = 0, gap = 0; /* 1 + the first head below one cosigned, not held yet */
    for (uint32_t i = 0; i < cp->heads_n; i++) {
        const proto_cp_head *h = &cp->heads[i];
        uint8_t id[PROTO_ID_BYTES];
        if (v->forked(v->ctx, h->author))
            return rn_fail_at(d, RN_EFORK, "checkpoint.heads.author", i + 1);
        if (below == 0 && h->seq < v->last_cosigned(v->ctx, h->author))
            below = (size_t)i + 1;
        int rc = v->entry_id(v->ctx, h->author, h->seq, id);
        if (rc == RN_ENOTFOUND) {
            if (gap == 0)
                gap = (size_t)i + 1;
            continue;
        }
        if (rc < 0)
            return rn_fail_at(d, rc, "checkpoint.heads", i + 1);
        if (memcmp(id, h->id, PROTO_ID_BYTES) != 0)
            return rn_fail_at(d, RN_EFORK, "checkpoint.heads.id", i + 1);
    }
    if (below != 0)
        return rn_fail_at(d, RN_ESEQ, "checkpoint.heads.seq", below);
    if (gap != 0)
        return rn_fail_at(d, RN_EGAP, "checkpoint.heads.seq", gap);
    return 0;
}

/* ---- Witnessed bundles ---- */

/* Byte order of two checkpoints' bytes: memcmp, then the shorter first. */
static int bytes_cmp(const proto_str *a, const proto_str *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int cmp = memcmp(a->ptr, b->ptr, n);
    if (cmp != 0)
        return cmp;
    return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
}

int proto_proof_checkpoints_read(mp_cur *c, proto_proof *p, rn_diag *d)
{
    uint32_t n;
    size_t total = 0;
    int rc;
    RN_FIELD(d, mp_read_array(c, &n), "proof.checkpoints");
    if (n < 1 || n > RN_PROOF_CHECKPOINTS_MAX)
        return rn_fail(d, RN_ECOUNT, "proof.checkpoints");
    for (uint32_t i = 0; i < n; i++) {
        proto_str *x = &p->checkpoints[i];
        if ((rc = mp_read_bin(c, &x->ptr, &x->len)) < 0)
            return rn_fail_at(d, rc, "proof.checkpoints", i + 1);
        total += x->len;
        if (x->len > RN_CHECKPOINT_BYTES_MAX || total > RN_PROOF_CHECKPOINTS_BYTES_MAX)
            return rn_fail_at(d, RN_ETOOBIG, "proof.checkpoints", i + 1);
        if (i > 0) {
            int cmp = bytes_cmp(&p->checkpoints[i - 1], x);
            if (cmp >= 0)
                return rn_fail_at(d, cmp == 0 ? RN_EDUPLICATE : RN_EFIELDORDER, "proof.checkpoints",
                                  i + 1);
        }
    }
    p->checkpoints_n = n;
    return 0;
}

/* What the bundle's entries need of the checkpoints: per author, its highest seq and the best
 * cover found so far. */
typedef struct author_need {
    const uint8_t *author;
    uint64_t seq;       /* the highest seq of the author in the bundle */
    uint32_t first;     /* 1 + position of its first entry */
    bool named;         /* some checkpoint names it at or above seq */
    bool witnessed;     /* ... and with enough witnesses */
    bool covered;       /* ... and fresh enough */
    uint64_t newest_ms; /* the newest time of a covering checkpoint */
} author_need;

typedef struct cover_state {
    author_need need[RN_PROOF_ENTRIES_MAX];
    size_t n;
    proto_entry e[RN_PROOF_ENTRIES_MAX];
    uint8_t ids[RN_PROOF_ENTRIES_MAX][PROTO_ID_BYTES];
    proto_checkpoint cp;
} cover_state;

/* One checkpoint against the entries: a contradiction is a fork; otherwise the covers. */
static int cover_one(cover_state *s, const proto_proof *p, const proto_roster *roster,
                     const proto_witness_req *req, uint32_t ci, rn_diag *d)
{
    const proto_checkpoint *cp = &s->cp;
    uint32_t witnesses;
    int rc;
    const proto_str *raw = &p->checkpoints[ci];

    if ((rc = proto_checkpoint_decode(&s->cp, raw->ptr, raw->len, d)) < 0)
        return rn_fail_at(d, rc, NULL, ci + 1);
    if ((rc = proto_checkpoint_verify(cp, roster, &witnesses, NULL, d)) < 0)
        return rn_fail_at(d, rc, NULL, ci + 1);
    for (uint32_t i = 0; i < p->entries_n; i++) {
        const proto_cp_head *h = proto_checkpoint_head(cp, s->e[i].author);
        if (h != NULL && h->seq == s->e[i].seq && memcmp(h->id, s->ids[i], PROTO_ID_BYTES) != 0)
            return rn_fail_at(d, RN_EFORK, "witness.id", i + 1);
    }
    bool enough = req == NULL || witnesses >= req->witnesses;
    bool fresh =
        req == NULL || req->max_age_ms == UINT64_MAX ||
        (req->now_ms >= req->max_age_ms ? cp->time_ms >= req->now_ms - req->max_age_ms : true);
    for (size_t k = 0; k < s->n; k++) {
        author_need *a = &s->need[k];
        const proto_cp_head *h = proto_checkpoint_head(cp, a->author);
        if (h == NULL || h->seq < a->seq)
            continue;
        a->named = true;
        if (!enough)
            continue;
        a->witnessed = true;
        if (!fresh)
            continue;
        if (!a->covered || cp->time_ms > a->newest_ms)
            a->newest_ms = cp->time_ms;
        a->covered = true;
    }
    return 0;
}

int proto_proof_checkpoints_check(const proto_proof *p, const proto_roster *roster,
                                  const proto_witness_req *req, uint64_t *oldest_ms, rn_diag *d)
{
    cover_state *s;
    int rc = 0;

    if (p->version != PROTO_PROOF_VERSION_WITNESSED || p->checkpoints_n == 0)
        return rn_fail(d, RN_EWITNESS, "proof.checkpoints");
    s = malloc(sizeof(*s));
    if (s == NULL)
        return rn_fail(d, RN_ENOMEM, "proof");
    s->n = 0;
    /* The entries were decoded and ordered by (author, seq) by proto_proof_verify: the last
     * entry of each author's run holds its highest seq. */
    for (uint32_t i = 0; i < p->entries_n; i++) {
        const proto_str *raw = &p->entries[i];
        if (proto_entry_decode(&s->e[i], raw->ptr, raw->len, NULL) != 0) {
            rc = rn_fail_at(d, RN_EINVAL, "proof.entries", i + 1);
            goto out;
        }
        proto_entry_id(raw->ptr, raw->len, s->ids[i]);
        author_need *last = s->n > 0 ? &s->need[s->n - 1] : NULL;
        if (last != NULL && memcmp(last->author, s->e[i].author, PROTO_KEY_BYTES) == 0) {
            if (s->e[i].seq > last->seq)
                last->seq = s->e[i].seq;
            continue;
        }
        s->need[s->n++] =
            (author_need){ .author = s->e[i].author, .seq = s->e[i].seq, .first = i + 1 };
    }
    for (uint32_t ci = 0; ci < p->checkpoints_n; ci++)
        RN_GUARD(rc, cover_one(s, p, roster, req, ci, d));
    uint64_t oldest = UINT64_MAX;
    for (size_t k = 0; k < s->n; k++) {
        const author_need *a = &s->need[k];
        if (!a->named) {
            rc = rn_fail_at(d, RN_EWITNESS, "witness.heads", a->first);
            goto out;
        }
        if (!a->witnessed) {
            rc = rn_fail_at(d, RN_EWITNESS, "witness.cosignatures", a->first);
            goto out;
        }
        if (!a->covered) {
            rc = rn_fail_at(d, RN_ETIME, "witness.time", a->first);
            goto out;
        }
        if (a->newest_ms < oldest)
            oldest = a->newest_ms;
    }
    if (oldest_ms != NULL)
        *oldest_ms = oldest;
out:
    free(s);
    return rc;
}

static int str_ptr_cmp(const void *a, const void *b)
{
    return bytes_cmp(*(const proto_str *const *)a, *(const proto_str *const *)b);
}

int proto_proof_witnessed_encode(const uint8_t *v1, size_t v1_len, const proto_str *cps, uint32_t n,
                                 mp_buf *b, rn_diag *d)
{
    proto_proof *p = NULL;
    proto_checkpoint *cp = NULL;
    const proto_str *sorted[RN_PROOF_CHECKPOINTS_MAX];
    size_t saved_len = b->len;
    int saved_err = b->err;
    size_t total = 0;
    mp_cur c;
    uint32_t fields;
    uint64_t version;
    int rc = 0;

    if (n < 1 || n > RN_PROOF_CHECKPOINTS_MAX)
        return rn_fail(d, RN_ECOUNT, "proof.checkpoints");
    p = malloc(sizeof(*p));
    cp = malloc(sizeof(*cp));
    if (p == NULL || cp == NULL) {
        rc = rn_fail(d, RN_ENOMEM, "proof");
        goto out;
    }
    RN_GUARD(rc, proto_proof_decode(p, v1, v1_len, d));
    if (p->version != PROTO_PROOF_VERSION) {
        rc = rn_fail(d, RN_EVERSION, "proof.version");
        goto out;
    }
    for (uint32_t i = 0; i < n; i++) {
        if ((rc = proto_checkpoint_decode(cp, cps[i].ptr, cps[i].len, d)) < 0) {
            rc = rn_fail_at(d, rc, NULL, i + 1);
            goto out;
        }
        total += cps[i].len;
        sorted[i] = &cps[i];
    }
    qsort(sorted, n, sizeof(sorted[0]), str_ptr_cmp);
    for (uint32_t i = 1; i < n; i++) {
        if (bytes_cmp(sorted[i - 1], sorted[i]) == 0) {
            rc = rn_fail_at(d, RN_EDUPLICATE, "proof.checkpoints", i + 1);
            goto out;
        }
    }
    if (total > RN_PROOF_CHECKPOINTS_BYTES_MAX) {
        rc = rn_fail(d, RN_ETOOBIG, "proof.checkpoints");
        goto out;
    }
    /* The version-1 bundle's query, answer and entries are copied as they are: skip its array
     * header and version, and take the rest. */
    mp_cur_init(&c, v1, v1_len);
    RN_ASSERT(mp_read_array(&c, &fields) == 0 && fields == 4u);
    RN_ASSERT(mp_read_uint(&c, &version) == 0 && version == PROTO_PROOF_VERSION);
    mp_put_array(b, 5);
    mp_put_uint(b, PROTO_PROOF_VERSION_WITNESSED);
    mp_buf_raw(b, c.p, mp_cur_left(&c));
    mp_put_array(b, n);
    for (uint32_t i = 0; i < n; i++)
        mp_put_bin(b, sorted[i]->ptr, sorted[i]->len);
    if ((rc = mp_buf_err(b)) < 0) {
        rn_fail(d, rc, "proof");
        goto out;
    }
    if (b->len - saved_len > RN_PROOF_WITNESSED_BYTES_MAX) {
        rc = rn_fail(d, RN_ETOOBIG, "proof");
        goto out;
    }
    /* Pair assertion: what we wrote is a bundle every reader decodes. */
    RN_ASSERT(proto_proof_decode(p, b->data + saved_len, b->len - saved_len, NULL) == 0);
out:
    free(p);
    free(cp);
    if (rc != 0) {
        b->len = saved_len;
        b->err = saved_err;
    }
    return rc;
}

/* ---- Signed answers ---- */

/* H([1, signer, time, answer]) with the tag in front: what the signer signs. */
static int answer_message(const uint8_t signer[PROTO_KEY_BYTES], uint64_t time_ms,
                          const uint8_t *answer, size_t answer_len,
                          uint8_t msg[PROTO_ANSWER_TAG_LEN + PROTO_ID_BYTES])
{
    uint8_t head[1 + 1 + 34 + 9 + 5];
    mp_buf b;
    crypto_generichash_state st;
    mp_buf_init(&b, sizeof(head));
    mp_put_array(&b, ANSWER_FIELDS - 1u);
    mp_put_uint(&b, PROTO_ANSWER_VERSION);
    mp_put_bin(&b, signer, PROTO_KEY_BYTES);
    mp_put_uint(&b, time_ms);
    mp_put_bin_header(&b, answer_len);
    int rc = mp_buf_err(&b);
    if (rc == 0) {
        memcpy(msg, PROTO_ANSWER_TAG, PROTO_ANSWER_TAG_LEN);
        crypto_generichash_init(&st, NULL, 0, PROTO_ID_BYTES);
        crypto_generichash_update(&st, b.data, b.len);
        crypto_generichash_update(&st, answer, answer_len);
        crypto_generichash_final(&st, msg + PROTO_ANSWER_TAG_LEN, PROTO_ID_BYTES);
    }
    mp_buf_free(&b);
    return rc;
}

/* The answer is one canonical MessagePack value and nothing else. */
static int answer_check(const uint8_t *answer, size_t len)
{
    mp_cur c;
    if (len == 0)
        return RN_ELEN;
    if (len > RN_ANSWER_BYTES_MAX)
        return RN_ETOOBIG;
    mp_cur_init(&c, answer, len);
    RN_TRY(mp_skip(&c));
    return c.p == c.end ? 0 : RN_ETRAILING;
}

int proto_answer_sign(const uint8_t *answer, size_t answer_len, uint64_t time_ms,
                      const uint8_t sk[PROTO_SK_BYTES], mp_buf *b)
{
    uint8_t msg[PROTO_ANSWER_TAG_LEN + PROTO_ID_BYTES];
    uint8_t sig[PROTO_SIG_BYTES];
    const uint8_t *signer = sk + SK_PK_OFFSET;
    int rc = answer_check(answer, answer_len);
    if (rc == RN_ETOOBIG)
        return rc;
    if (rc < 0)
        return RN_EINVAL;
    if (time_ms > RN_TIME_MS_MAX)
        return RN_ETIME;
    RN_TRY(answer_message(signer, time_ms, answer, answer_len, msg));
    crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
    size_t saved = b->len;
    mp_put_array(b, ANSWER_FIELDS);
    mp_put_uint(b, PROTO_ANSWER_VERSION);
    mp_put_bin(b, signer, PROTO_KEY_BYTES);
    mp_put_uint(b, time_ms);
    mp_put_bin(b, answer, answer_len);
    mp_put_bin(b, sig, PROTO_SIG_BYTES);
    rc = mp_buf_err(b);
    if (rc < 0)
        b->len = saved;
    return rc;
}

int proto_answer_decode(proto_signed_answer *a, const uint8_t *buf, size_t len, rn_diag *d)
{
    mp_cur c;
    uint32_t n, alen;
    uint64_t version;
    const uint8_t *sig;

    if (len > RN_SIGNED_ANSWER_BYTES_MAX)
        return rn_fail(d, RN_ETOOBIG, "answer");
    mp_cur_init(&c, buf, len);
    RN_FIELD(d, mp_read_array(&c, &n), "answer");
    if (n != ANSWER_FIELDS)
        return rn_fail(d, RN_ECOUNT, "answer");
    RN_FIELD(d, mp_read_uint(&c, &version), "answer.version");
    if (version != PROTO_ANSWER_VERSION)
        return rn_fail(d, RN_EVERSION, "answer.version");
    RN_FIELD(d, read_key(&c, a->signer), "answer.signer");
    RN_FIELD(d, read_time(&c, &a->time_ms), "answer.time");
    RN_FIELD(d, mp_read_bin(&c, &a->answer, &alen), "answer.answer");
    a->answer_len = alen;
    RN_FIELD(d, answer_check(a->answer, a->answer_len), "answer.answer");
    RN_FIELD(d, mp_read_bin_exact(&c, &sig, PROTO_SIG_BYTES), "answer.signature");
    memcpy(a->sig, sig, PROTO_SIG_BYTES);
    if (c.p != c.end)
        return rn_fail(d, RN_ETRAILING, "answer");
    return 0;
}

int proto_answer_verify(const proto_signed_answer *a, const proto_roster *roster, rn_diag *d)
{
    uint8_t msg[PROTO_ANSWER_TAG_LEN + PROTO_ID_BYTES];
    if (roster != NULL && proto_roster_find(roster, a->signer) == NULL)
        return rn_fail(d, RN_EROSTER, "answer.signer");
    RN_FIELD(d, answer_message(a->signer, a->time_ms, a->answer, a->answer_len, msg), "answer");
    if (crypto_sign_verify_detached(a->sig, msg, sizeof(msg), a->signer) != 0)
        return rn_fail(d, RN_ESIG, "answer.signature");
    return 0;
}

/* TAG || H(json) || be64(time). */
static void json_message(const uint8_t *json, size_t len, uint64_t time_ms,
                         uint8_t msg[PROTO_ANSWER_JSON_TAG_LEN + PROTO_ID_BYTES + 8u])
{
    memcpy(msg, PROTO_ANSWER_JSON_TAG, PROTO_ANSWER_JSON_TAG_LEN);
    crypto_generichash(msg + PROTO_ANSWER_JSON_TAG_LEN, PROTO_ID_BYTES, json, len, NULL, 0);
    be64(msg + PROTO_ANSWER_JSON_TAG_LEN + PROTO_ID_BYTES, time_ms);
}

void proto_answer_json_sign(const uint8_t *json, size_t len, uint64_t time_ms,
                            const uint8_t sk[PROTO_SK_BYTES], uint8_t sig[PROTO_SIG_BYTES])
{
    uint8_t msg[PROTO_ANSWER_JSON_TAG_LEN + PROTO_ID_BYTES + 8u];
    json_message(json, len, time_ms, msg);
    crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
}

int proto_answer_json_verify(const uint8_t *json, size_t len, uint64_t time_ms,
                             const uint8_t pk[PROTO_KEY_BYTES], const uint8_t sig[PROTO_SIG_BYTES])
{
    uint8_t msg[PROTO_ANSWER_JSON_TAG_LEN + PROTO_ID_BYTES + 8u];
    json_message(json, len, time_ms, msg);
    return crypto_sign_verify_detached(sig, msg, sizeof(msg), pk) == 0 ? 0 : RN_ESIG;
}
