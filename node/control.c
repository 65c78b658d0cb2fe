/*
 * control.c: the control API's methods (DESIGN.md section 6, PROTOCOL.md section 12): requests
 * from the node's operators and verifiers, answered from the core and the replica.
 *
 * The method table and the codec live in proto/ctl.h, shared with every client and transport:
 * node_control decodes the request there (its shape, the method against the table, the number of
 * parameters and the MessagePack type of each, all checked before any handler runs), and writes
 * the response with it. So a handler reads parameters that are known to be there and of their
 * type, and a malformed request is an error response, never a crash. This file pairs each row of
 * the table with its handler (handlers[] below) and runs it in dispatch(), the one place where a
 * request's read transaction is opened and ended: a method whose row says CTL_READS finds it open
 * in c->r, and one answer reads one state of the replica. The one exception is a publish of a
 * spec, a write that reads its provider first and ends that snapshot before it writes.
 *
 * Everything here goes through the core's public functions (core.h), the replica (store.h) and
 * the queries (query.h); nothing reaches into the core's state. Writes (publish) are for the
 * node's own authority (node_publish). The expected load is many small recognise requests a
 * second, so the state of a request is on the stack and the happy path allocates only what a
 * proof bundle needs.
 *
 * Times are milliseconds since the epoch; an `at` of nil means now, the time the driver passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "node/core.h"
#include "proto/codes.h"
#include "proto/checkpoint.h"
#include "proto/ctl.h"
#include "proto/key.h"
#include "proto/limits.h"
#include "proto/proof.h"
#include "proto/rosterchain.h"
#include "store/query.h"
#include "store/report.h"
#include "store/statuslist.h"
#include "cred/status.h"

/* A method name or an enumeration value name that we will look at. */
#define CTL_NAME_BYTES 32u

/* Room kept in a response for the envelope and the fields around a list of entries. */
#define CTL_SLACK_BYTES 1024u

/* Default and largest number of search results in one response. */
#define CTL_SEARCH_LIMIT_DEFAULT 100u

static_assert(RN_CONTROL_RESPONSE_BYTES_MAX > RN_PROOF_BYTES_MAX + CTL_SLACK_BYTES,
              "a proof bundle fits in a response with its answer");
static_assert(RN_CONTROL_RESPONSE_BYTES_MAX > RN_BATCH_BYTES_MAX + CTL_SLACK_BYTES,
              "a batch of log entries fits in a response");

/* One request being handled. */
typedef struct ctl {
    node *n;
    store *s;
    uint64_t now_ms;
    ctl_request req;    /* the decoded request: its method's row and its parameters */
    bool index_pending; /* entries were waiting for the index pass when the request arrived */
    store_read r;       /* open while a CTL_READS method runs (node_control opens it) */
    ctl_error err;
    ctl_options opt; /* the request's options (ctl.h): signed, witnessed */
} ctl;

typedef int (*method_fn)(ctl *c, mp_buf *out);

/* ---- Errors ---- */

static int fail(ctl *c, int code, const char *field)
{
    (void)ctl_error_set(&c->err, code, field);
    return code;
}

static int fail_msg(ctl *c, int code, const char *field, const char *message)
{
    fail(c, code, field);
    snprintf(c->err.message, sizeof(c->err.message), "%s: %s", rn_strerror(code), message);
    return code;
}

/* An error with the diagnostic of a decoder or validator. */
static int fail_diag(ctl *c, int code, const rn_diag *d)
{
    fail(c, code, d->code == code ? d->field : NULL);
    if (d->code == code && d->index > 0) {
        c->err.has_index = true;
        c->err.index = d->index - 1;
    }
    return code;
}

/* ---- Reading parameters (their types were checked against the table) ---- */

static const char *pname(const ctl *c, uint32_t i)
{
    return c->req.m->params[i].name;
}

static bool arg_nil(const ctl *c, uint32_t i)
{
    return ctl_param_nil(&c->req, i);
}

static int arg_str(ctl *c, uint32_t i, proto_str *s)
{
    mp_cur cur = c->req.params[i];
    const uint8_t *p;
    uint32_t len;
    if (mp_read_str(&cur, &p, &len) < 0)
        return fail(c, RN_ETYPE, pname(c, i));
    s->ptr = p;
    s->len = len;
    return 0;
}

static int arg_uint(ctl *c, uint32_t i, uint64_t *v)
{
    mp_cur cur = c->req.params[i];
    if (mp_read_uint(&cur, v) < 0)
        return fail(c, RN_ETYPE, pname(c, i));
    return 0;
}

/* A uint or nil (then `dflt`). */
static int arg_uint_or(ctl *c, uint32_t i, uint64_t dflt, uint64_t *v)
{
    if (arg_nil(c, i)) {
        *v = dflt;
        return 0;
    }
    return arg_uint(c, i, v);
}

/* A time or nil for now. */
static int arg_time(ctl *c, uint32_t i, uint64_t *at)
{
    RN_TRY(arg_uint_or(c, i, c->now_ms, at));
    if (*at > RN_TIME_MS_MAX)
        return fail(c, RN_ETIME, pname(c, i));
    return 0;
}

/* The valid time of a query (PROTOCOL.md 14.1): a time, or nil for the time known at, `at`. */
static int arg_valid_at(ctl *c, uint32_t i, uint64_t at, uint64_t *valid)
{
    if (arg_nil(c, i)) {
        *valid = at;
        return 0;
    }
    return arg_time(c, i, valid);
}

static int arg_bin(ctl *c, uint32_t i, proto_str *b)
{
    mp_cur cur = c->req.params[i];
    const uint8_t *p;
    uint32_t len;
    if (mp_read_bin(&cur, &p, &len) < 0)
        return fail(c, RN_ETYPE, pname(c, i));
    b->ptr = p;
    b->len = len;
    return 0;
}

/* A key: bin of 32 bytes, or "rn1:..." text. */
static int key_from(ctl *c, mp_cur cur, const char *field, uint8_t key[PROTO_KEY_BYTES])
{
    const uint8_t *p;
    uint32_t len;
    if (mp_peek(&cur) == MP_BIN) {
        if (mp_read_bin(&cur, &p, &len) < 0)
            return fail(c, RN_ETYPE, field);
        if (len != PROTO_KEY_BYTES)
            return fail(c, RN_ELEN, field);
        /* The same check as the text form's (PROTOCOL.md 4.1): no other key verifies anything. */
        if (!crypto_core_ed25519_is_valid_point(p))
            return fail(c, RN_EKEY, field);
        memcpy(key, p, PROTO_KEY_BYTES);
        return 0;
    }
    if (mp_read_str(&cur, &p, &len) < 0)
        return fail(c, RN_ETYPE, field);
    if (proto_key_text_parse((const char *)p, len, key) < 0)
        return fail(c, RN_EKEY, field);
    return 0;
}

/* A NUL-terminated copy of a short string (names of enumeration values, kinds), or "" when it is
 * too long or holds a NUL (which no name does). */
static void short_cstr(proto_str s, char out[CTL_NAME_BYTES])
{
    out[0] = '\0';
    if (s.len >= CTL_NAME_BYTES || memchr(s.ptr, 0, s.len) != NULL)
        return;
    memcpy(out, s.ptr, s.len);
    out[s.len] = '\0';
}

static int arg_purpose(ctl *c, uint32_t i, uint32_t *purpose)
{
    proto_str s;
    char name[CTL_NAME_BYTES];
    RN_TRY(arg_str(c, i, &s));
    short_cstr(s, name);
    int v = proto_enum_value_parse(PROTO_ENUM_PURPOSE, name);
    if (v < 0)
        return fail_msg(c, RN_EENUM, pname(c, i), "expected further_study, employment or both");
    *purpose = (uint32_t)v;
    return 0;
}

/* A country code: two bytes ("EL" is taken as Greece by the queries). */
static int arg_country(ctl *c, uint32_t i, const char **cc)
{
    proto_str s;
    RN_TRY(arg_str(c, i, &s));
    if (s.len != 2 || proto_country_find((const char *)s.ptr, 2) == NULL)
        return fail(c, RN_ECOUNTRY, pname(c, i));
    *cc = (const char *)s.ptr;
    return 0;
}

/* ---- Writing results ---- */

static void put_ref(mp_buf *b, const query_ref *r)
{
    if (r->seq == 0) {
        mp_put_nil(b);
        return;
    }
    mp_put_map(b, 3);
    mp_put_cstr(b, "author");
    mp_put_bin(b, r->author, PROTO_KEY_BYTES);
    mp_put_cstr(b, "seq");
    mp_put_uint(b, r->seq);
    mp_put_cstr(b, "timestamp");
    mp_put_uint(b, r->timestamp_ms);
}

static void put_name_or_nil(mp_buf *b, const char *name)
{
    if (name != NULL)
        mp_put_cstr(b, name);
    else
        mp_put_nil(b);
}

static void put_str_or_nil(mp_buf *b, const char *s)
{
    if (s[0] != '\0')
        mp_put_cstr(b, s);
    else
        mp_put_nil(b);
}

static void put_uint_or_nil(mp_buf *b, bool present, uint64_t v)
{
    if (present)
        mp_put_uint(b, v);
    else
        mp_put_nil(b);
}

/* The terms of the basis (query_terms): nil for what the basis does not say. */
static void put_terms(mp_buf *b, const query_recognition *q)
{
    const query_terms *t = &q->terms;
    bool basis = q->result != PROTO_RESULT_NO_DECISION;
    mp_put_cstr(b, "ects_centi");
    put_uint_or_nil(b, t->has_ects, t->ects_centi);
    mp_put_cstr(b, "eqf");
    put_uint_or_nil(b, t->eqf != 0, t->eqf);
    mp_put_cstr(b, "differences");
    if (t->differences_n > 0) {
        mp_put_array(b, t->differences_n);
        for (uint32_t i = 0; i < t->differences_n; i++) {
            mp_put_map(b, 2);
            mp_put_cstr(b, "type");
            put_name_or_nil(b,
                            proto_enum_value_name(PROTO_ENUM_DIFFERENCE, t->differences[i].type));
            mp_put_cstr(b, "note");
            mp_put_cstr(b, t->differences[i].note);
        }
    } else {
        mp_put_nil(b);
    }
    mp_put_cstr(b, "conditions");
    put_str_or_nil(b, t->conditions);
    mp_put_cstr(b, "appeal");
    put_str_or_nil(b, t->appeal);
    mp_put_cstr(b, "valid_from");
    put_uint_or_nil(b, basis, t->valid_from_ms);
    mp_put_cstr(b, "valid_until");
    put_uint_or_nil(b, basis && t->valid_until_ms != 0, t->valid_until_ms);
    mp_put_cstr(b, "supersedes");
    put_str_or_nil(b, t->supersedes);
}
#define TERMS_FIELDS 8u

/* The fields of a recognition answer (RECOGNITION_FIELDS pairs), without the enclosing map
 * header: PROTOCOL.md sections 12.3 and 14.5. */
static void put_recognition_fields(mp_buf *b, const query_recognition *q)
{
    mp_put_cstr(b, "result");
    put_name_or_nil(b, proto_result_name((int)q->result));
    mp_put_cstr(b, "outcome");
    put_name_or_nil(b, proto_enum_value_name(PROTO_ENUM_OUTCOME, q->outcome));
    mp_put_cstr(b, "basis");
    put_ref(b, &q->basis);
    mp_put_cstr(b, "basis_id");
    if (q->basis_id[0] != '\0')
        mp_put_cstr(b, q->basis_id);
    else
        mp_put_nil(b);
    mp_put_cstr(b, "forked");
    mp_put_bool(b, q->forked);
    mp_put_cstr(b, "spec");
    put_ref(b, &q->spec);
    mp_put_cstr(b, "provider_id");
    mp_put_cstr(b, q->provider_id);
    mp_put_cstr(b, "provider");
    put_ref(b, &q->provider);
    mp_put_cstr(b, "spec_status");
    put_name_or_nil(b, proto_enum_value_name(PROTO_ENUM_STATUS, q->spec_status));
    mp_put_cstr(b, "provider_status");
    put_name_or_nil(b, proto_enum_value_name(PROTO_ENUM_PROVIDER_STATUS, q->provider_status));
    mp_put_cstr(b, "spec_title");
    mp_put_map(b, q->spec_title_n);
    for (uint32_t i = 0; i < q->spec_title_n; i++) {
        mp_put_cstr(b, q->spec_title[i].lang);
        mp_put_cstr(b, q->spec_title[i].text);
    }
    mp_put_cstr(b, "spec_ects_centi");
    mp_put_uint(b, q->spec_ects_centi);
    mp_put_cstr(b, "spec_eqf");
    put_uint_or_nil(b, q->spec_eqf != 0, q->spec_eqf);
    mp_put_cstr(b, "provider_name");
    mp_put_cstr(b, q->provider_name);
    put_terms(b, q);
}
#define RECOGNITION_FIELDS (14u + TERMS_FIELDS)

/* The fields a query error names, from its code. */
typedef struct code_field {
    int code;
    const char *field;
} code_field;

static int fail_query(ctl *c, int rc, const code_field *map, const char *message)
{
    for (const code_field *f = map; f->code != 0; f++) {
        if (f->code == rc) {
            if (rc == RN_ENOTFOUND && message != NULL)
                return fail_msg(c, rc, f->field, message);
            return fail(c, rc, f->field);
        }
    }
    return fail(c, rc, NULL);
}

/*
 * Answers a record (kind, id) not found as of `at`, at `field`: RN_ESUPERSEDED when the roster
 * cut it off (a version's entry lies past the last trusted entry of its key, compromised,
 * removed or rotated: PROTOCOL.md 4.4, 11.11, and the replica took it out of its indexes),
 * naming the record (`what`: "" for the record asked, else e.g. "its provider ") and the entry;
 * else RN_ENOTFOUND with `message`. Returns the code answered.
 */
static int fail_absent(ctl *c, proto_kind kind, proto_str id, uint64_t at, const char *field,
                       const char *what, const char *message)
{
    store_version v;
    char msg[112]; /* with rn_strerror's text, within CTL_MESSAGE_BYTES */
    if (store_cut_off_get(&c->r, kind, id.ptr, id.len, at, &v) != 0)
        return fail_msg(c, RN_ENOTFOUND, field, message);
    snprintf(msg, sizeof(msg),
             "%s%.*s is cut off: its entry (seq %llu) is past its key's last trusted one", what,
             (int)(id.len < 64u ? id.len : 64u), (const char *)id.ptr, (unsigned long long)v.seq);
    return fail_msg(c, RN_ESUPERSEDED, field, msg);
}

/* ---- Methods ---- */

/* The node's counters, by name: one row per field of node_counters. */
#define CTL_COUNTERS_MAP(X)                                                                        \
    X(frames_in)                                                                                   \
    X(frames_out)                                                                                  \
    X(bytes_in)                                                                                    \
    X(bytes_out)                                                                                   \
    X(entries_in)                                                                                  \
    X(entries_new)                                                                                 \
    X(entry_bytes_new)                                                                             \
    X(entries_dup)                                                                                 \
    X(entries_out)                                                                                 \
    X(payload_msgs_out)                                                                            \
    X(haves_out)                                                                                   \
    X(wants_out)                                                                                   \
    X(heads_out)                                                                                   \
    X(forks_seen)                                                                                  \
    X(badsigs_seen)                                                                                \
    X(sigs_verified)                                                                               \
    X(conns_refused)                                                                               \
    X(protocol_errors)                                                                             \
    X(demotions)                                                                                   \
    X(serve_paused)                                                                                \
    X(checkpoints_signed)                                                                          \
    X(checkpoints_in)                                                                              \
    X(cosigs_out)                                                                                  \
    X(cosigs_in)                                                                                   \
    X(witness_deferred)                                                                            \
    X(witness_declined)                                                                            \
    X(witness_refusals)

/* The driver's counters at the node's doors (node_guard_counters), in the same map. */
#define CTL_GUARD_COUNTERS_MAP(X)                                                                  \
    X(strangers_refused)                                                                           \
    X(strangers_evicted)                                                                           \
    X(strangers_timed_out)                                                                         \
    X(control_clients_closed)                                                                      \
    X(control_evicted)                                                                             \
    X(log_lines_suppressed)

static void put_counters(mp_buf *b, const node_counters *k, const node_guard_counters *g)
{
#define CTL_X_COUNT(f) +1u
    mp_put_map(b, 0u CTL_COUNTERS_MAP(CTL_X_COUNT) CTL_GUARD_COUNTERS_MAP(CTL_X_COUNT));
#undef CTL_X_COUNT
#define CTL_X_PUT(f)                                                                               \
    mp_put_cstr(b, #f);                                                                            \
    mp_put_uint(b, k->f);
    CTL_COUNTERS_MAP(CTL_X_PUT)
#undef CTL_X_PUT
#define CTL_X_PUT_GUARD(f)                                                                         \
    mp_put_cstr(b, #f);                                                                            \
    mp_put_uint(b, g->f);
    CTL_GUARD_COUNTERS_MAP(CTL_X_PUT_GUARD)
#undef CTL_X_PUT_GUARD
}

/* Every head of the replica, on the heap (one per roster member at most). */
static int heads_load(ctl *c, store_read *r, store_head **out, size_t *n)
{
    size_t cap = RN_ROSTER_MEMBERS_MAX;
    store_head *h = calloc(cap, sizeof(*h));
    if (h == NULL)
        return fail(c, RN_ENOMEM, NULL);
    int rc = store_heads(r, h, cap, n);
    if (rc < 0) {
        free(h);
        return fail(c, rc, NULL);
    }
    if (*n > cap)
        *n = cap;
    *out = h;
    return 0;
}

/* status's "clock": the driver's clock as last noted (node/clock.h) against the request's time,
 * and our own head's timestamp `head_ms` (0 for none). Unsigned fields only (section 12.1): the
 * skew is split into how far the wall clock is ahead and how far behind. */
static void put_clock(ctl *c, mp_buf *out, uint64_t head_ms)
{
    const node_clock *k = node_clock_get(c->n);
    uint64_t head_ahead = head_ms > c->now_ms ? head_ms - c->now_ms : 0;
    mp_put_cstr(out, "clock");
    mp_put_map(out, 8);
    mp_put_cstr(out, "wall");
    mp_put_uint(out, k->wall_ms);
    mp_put_cstr(out, "wall_ahead_ms");
    mp_put_uint(out, k->skew_ms > 0 ? (uint64_t)k->skew_ms : 0);
    mp_put_cstr(out, "wall_behind_ms");
    mp_put_uint(out, k->skew_ms < 0 ? (uint64_t)0 - (uint64_t)k->skew_ms : 0);
    mp_put_cstr(out, "step_pending");
    mp_put_bool(out, k->step_ms != 0);
    mp_put_cstr(out, "steps");
    mp_put_uint(out, k->steps);
    mp_put_cstr(out, "head_ahead_ms");
    mp_put_uint(out, head_ahead);
    mp_put_cstr(out, "publish_refused");
    mp_put_bool(out, head_ahead > RN_CLOCK_PUBLISH_AHEAD_MS_MAX);
    mp_put_cstr(out, "entries_future");
    mp_put_uint(out, node_counters_get(c->n)->entries_future);
}

/* status's "catchup": the core's catch-ups (node_catchup), all of them and the current or last. */
static void put_catchup(ctl *c, mp_buf *out)
{
    const node_catchup *cu = node_catchup_get(c->n);
    uint64_t end = cu->active ? c->now_ms : cu->end_ms;
    mp_put_cstr(out, "catchup");
    mp_put_map(out, 8);
    mp_put_cstr(out, "runs");
    mp_put_uint(out, cu->number);
    mp_put_cstr(out, "active");
    mp_put_bool(out, cu->active);
    mp_put_cstr(out, "entries");
    mp_put_uint(out, cu->entries_total);
    mp_put_cstr(out, "bytes");
    mp_put_uint(out, cu->bytes_total);
    mp_put_cstr(out, "last_entries");
    mp_put_uint(out, cu->entries);
    mp_put_cstr(out, "last_bytes");
    mp_put_uint(out, cu->bytes);
    mp_put_cstr(out, "last_expected");
    mp_put_uint(out, cu->expected);
    mp_put_cstr(out, "last_ms");
    mp_put_uint(out, cu->number > 0 && end > cu->start_ms ? end - cu->start_ms : 0);
}

/* ---- Disks: status.disk, status.integrity and the check method ---- */

/* Keys that put_disk_status adds to status. */
#define CTL_STATUS_DISK_KEYS 2u

/* status.disk (the replica's size, whether it is full, whether the indexes lag the logs, whether
 * own writes stopped after a failed fsync) and status.integrity (entries found damaged). */
static void put_disk_status(ctl *c, mp_buf *out, const store_read *r)
{
    const store *s = c->s;
    uint64_t used = store_used_bytes(s);
    mp_put_cstr(out, "disk");
    mp_put_map(out, 6);
    mp_put_cstr(out, "map_bytes");
    mp_put_uint(out, s->map_bytes);
    mp_put_cstr(out, "used_bytes");
    mp_put_uint(out, used);
    mp_put_cstr(out, "full");
    mp_put_bool(out, s->full);
    mp_put_cstr(out, "index_behind");
    mp_put_bool(out, r->index_behind);
    mp_put_cstr(out, "index_error");
    put_name_or_nil(out, s->index_error != 0 ? rn_strerror(s->index_error) : NULL);
    mp_put_cstr(out, "writes_stopped");
    put_name_or_nil(out, s->writes_stopped != 0 ? strerror(s->writes_stopped) : NULL);
    mp_put_cstr(out, "integrity");
    mp_put_map(out, 3);
    mp_put_cstr(out, "errors");
    mp_put_uint(out, s->integrity_errors);
    mp_put_cstr(out, "damaged_author");
    if (s->damaged_seq != 0)
        mp_put_bin(out, s->damaged_author, PROTO_KEY_BYTES);
    else
        mp_put_nil(out);
    mp_put_cstr(out, "damaged_seq");
    put_uint_or_nil(out, s->damaged_seq != 0, s->damaged_seq);
}

/* check: store_check on demand. It reads every entry, so it holds the loop for as long. */
static int m_check(ctl *c, mp_buf *out)
{
    store_check_result res;
    int rc = store_check(c->s, &res);
    if (rc == RN_ECORRUPT && res.bad_seq != 0) {
        char msg[160];
        const char *cc = store_author_country(c->s, res.bad_author);
        snprintf(msg, sizeof(msg), "entry %llu of %s's log is damaged (%llu entries checked)",
                 (unsigned long long)res.bad_seq, cc != NULL ? cc : "an author",
                 (unsigned long long)res.entries);
        return fail_msg(c, rc, "check", msg);
    }
    if (rc < 0)
        return fail(c, rc, "check");
    mp_put_map(out, 2);
    mp_put_cstr(out, "authors");
    mp_put_uint(out, res.authors);
    mp_put_cstr(out, "entries");
    mp_put_uint(out, res.entries);
    return 0;
}

/* ---- Checkpoints and witnesses (PROTOCOL.md 11.12, 12.3) ---- */

#define CTL_STATUS_WITNESS_KEYS 1u

/* status.witness: our newest checkpoint in brief, and the split views we refused. */
static void put_witness_status(ctl *c, mp_buf *out)
{
    proto_str cps[1];
    size_t k = node_checkpoints(c->n, cps, 1);
    const node_witness_evidence *ev;
    size_t evn = node_witness_evidence_get(c->n, &ev);
    mp_put_cstr(out, "witness");
    mp_put_map(out, 3);
    mp_put_cstr(out, "checkpoint");
    proto_checkpoint *cp = k > 0 ? malloc(sizeof(*cp)) : NULL;
    if (cp != NULL && proto_checkpoint_decode(cp, cps[0].ptr, cps[0].len, NULL) == 0) {
        mp_put_map(out, 3);
        mp_put_cstr(out, "time");
        mp_put_uint(out, cp->time_ms);
        mp_put_cstr(out, "heads");
        mp_put_uint(out, cp->heads_n);
        mp_put_cstr(out, "cosignatures");
        mp_put_uint(out, cp->cosigs_n);
    } else {
        mp_put_nil(out);
    }
    free(cp);
    mp_put_cstr(out, "refusals");
    mp_put_uint(out, node_witness_evidence_count(c->n));
    /* The evidence, oldest first. */
    mp_put_cstr(out, "evidence");
    mp_put_array(out, (uint32_t)evn);
    uint64_t first = node_witness_evidence_count(c->n) - evn + 1u;
    for (uint64_t num = first; num < first + evn; num++) {
        const node_witness_evidence *e = NULL;
        for (size_t i = 0; i < evn; i++)
            if (ev[i].number == num)
                e = &ev[i];
        RN_ASSERT(e != NULL);
        const char *cc = store_author_country(c->s, e->author);
        mp_put_map(out, 8);
        mp_put_cstr(out, "number");
        mp_put_uint(out, e->number);
        mp_put_cstr(out, "time");
        mp_put_uint(out, e->time_ms);
        mp_put_cstr(out, "signer");
        mp_put_bin(out, e->signer, PROTO_KEY_BYTES);
        mp_put_cstr(out, "author");
        mp_put_bin(out, e->author, PROTO_KEY_BYTES);
        mp_put_cstr(out, "country");
        mp_put_cstr(out, cc != NULL ? cc : "");
        mp_put_cstr(out, "seq");
        mp_put_uint(out, e->seq);
        mp_put_cstr(out, "shown");
        mp_put_bin(out, e->shown, PROTO_ID_BYTES);
        mp_put_cstr(out, "held");
        mp_put_bin(out, e->held, PROTO_ID_BYTES);
    }
}

/*
 * checkpoint.get []: the node's newest checkpoint, its bytes and what it says:
 * {checkpoint: bin, signer: bin, time: uint, roster_version: uint, heads: [{author, country, seq,
 * id}], cosignatures: [{witness: bin, time: uint}]}. RN_ENOTFOUND before the first.
 */
static int m_checkpoint_get(ctl *c, mp_buf *out)
{
    proto_str cps[1];
    if (node_checkpoints(c->n, cps, 1) == 0)
        return fail_msg(c, RN_ENOTFOUND, NULL,
                        "no checkpoint yet ([node] checkpoint_interval, and a log held)");
    proto_checkpoint *cp = malloc(sizeof(*cp));
    if (cp == NULL)
        return fail(c, RN_ENOMEM, NULL);
    int rc = proto_checkpoint_decode(cp, cps[0].ptr, cps[0].len, NULL);
    if (rc < 0) {
        free(cp);
        return fail(c, rc, "checkpoint");
    }
    mp_put_map(out, 6);
    mp_put_cstr(out, "checkpoint");
    mp_put_bin(out, cps[0].ptr, cps[0].len);
    mp_put_cstr(out, "signer");
    mp_put_bin(out, cp->signer, PROTO_KEY_BYTES);
    mp_put_cstr(out, "time");
    mp_put_uint(out, cp->time_ms);
    mp_put_cstr(out, "roster_version");
    mp_put_uint(out, cp->roster_version);
    mp_put_cstr(out, "heads");
    mp_put_array(out, cp->heads_n);
    for (uint32_t i = 0; i < cp->heads_n; i++) {
        const char *cc = store_author_country(c->s, cp->heads[i].author);
        mp_put_map(out, 4);
        mp_put_cstr(out, "author");
        mp_put_bin(out, cp->heads[i].author, PROTO_KEY_BYTES);
        mp_put_cstr(out, "country");
        mp_put_cstr(out, cc != NULL ? cc : "");
        mp_put_cstr(out, "seq");
        mp_put_uint(out, cp->heads[i].seq);
        mp_put_cstr(out, "id");
        mp_put_bin(out, cp->heads[i].id, PROTO_ID_BYTES);
    }
    mp_put_cstr(out, "cosignatures");
    mp_put_array(out, cp->cosigs_n);
    for (uint32_t i = 0; i < cp->cosigs_n; i++) {
        mp_put_map(out, 2);
        mp_put_cstr(out, "witness");
        mp_put_bin(out, cp->cosigs[i].witness, PROTO_KEY_BYTES);
        mp_put_cstr(out, "time");
        mp_put_uint(out, cp->cosigs[i].time_ms);
    }
    free(cp);
    return 0;
}

/*
 * The witnessed form (version 2, checkpoint.h) of the version-1 bundle at out[at ..): for each
 * author of its entries, our newest checkpoint whose head of that author is at or above every
 * seq of the author in the bundle and that carries at least c->opt.witnessed cosignatures. When
 * an author has none: RN_EWITNESS, field "options.witnessed", the message naming how many
 * cosignatures the best checkpoint covering it has. Replaces the bundle in place.
 */
static int witness_bundle(ctl *c, mp_buf *out, size_t at)
{
    proto_str own[STORE_CHECKPOINTS_OWN_MAX], pick[RN_PROOF_ENTRIES_MAX];
    size_t own_n = node_checkpoints(c->n, own, STORE_CHECKPOINTS_OWN_MAX);
    uint32_t picked = 0;
    int rc = 0;
    char msg[160];
    proto_proof *pf = malloc(sizeof(*pf));
    proto_checkpoint *cp = malloc(sizeof(*cp));
    uint8_t *v1 = malloc(out->len - at);
    mp_buf w;
    mp_buf_init(&w, RN_CONTROL_RESPONSE_BYTES_MAX);
    if (pf == NULL || cp == NULL || v1 == NULL) {
        rc = fail(c, RN_ENOMEM, NULL);
        goto out;
    }
    size_t v1_len = out->len - at;
    memcpy(v1, out->data + at, v1_len);
    rc = proto_proof_decode(pf, v1, v1_len, NULL);
    if (rc < 0) {
        rc = fail(c, rc, "proof");
        goto out;
    }
    for (uint32_t i = 0; i < pf->entries_n; i++) {
        proto_entry e;
        if (proto_entry_decode(&e, pf->entries[i].ptr, pf->entries[i].len, NULL) != 0)
            continue;
        /* Entries are in (author, seq) order: the last of an author has its highest seq. */
        if (i + 1 < pf->entries_n) {
            proto_entry nx;
            if (proto_entry_decode(&nx, pf->entries[i + 1].ptr, pf->entries[i + 1].len, NULL) ==
                    0 &&
                memcmp(nx.author, e.author, PROTO_KEY_BYTES) == 0)
                continue;
        }
        store_head hd;
        if (store_head_get(&c->r, e.author, &hd) == 0 &&
            (hd.flags & (STORE_HEAD_FORKED | STORE_HEAD_BADSIG)) != 0) {
            char key[PROTO_KEY_TEXT_LEN + 1];
            proto_key_text_format(e.author, key);
            snprintf(msg, sizeof(msg),
                     "%s is forked: no checkpoint of this node covers it any more", key);
            rc = fail_msg(c, RN_EWITNESS, "options.witnessed", msg);
            goto out;
        }
        uint32_t best_cosigs = 0;
        bool found = false;
        for (size_t k = 0; k < own_n && !found; k++) { /* newest first */
            if (proto_checkpoint_decode(cp, own[k].ptr, own[k].len, NULL) != 0)
                continue;
            const proto_cp_head *h = proto_checkpoint_head(cp, e.author);
            if (h == NULL || h->seq < e.seq)
                continue;
            if (cp->cosigs_n > best_cosigs)
                best_cosigs = cp->cosigs_n;
            if (cp->cosigs_n < c->opt.witnessed)
                continue;
            found = true;
            bool dup = false;
            for (uint32_t j = 0; j < picked; j++)
                dup = dup || pick[j].ptr == own[k].ptr;
            if (!dup)
                pick[picked++] = own[k];
        }
        if (!found) {
            char key[PROTO_KEY_TEXT_LEN + 1];
            proto_key_text_format(e.author, key);
            snprintf(msg, sizeof(msg),
                     "%u cosignatures asked; this node's checkpoints covering %s at seq %llu "
                     "have %u",
                     c->opt.witnessed, key, (unsigned long long)e.seq, best_cosigs);
            rc = fail_msg(c, RN_EWITNESS, "options.witnessed", msg);
            goto out;
        }
    }
    rn_diag d = { 0 };
    rc = proto_proof_witnessed_encode(v1, v1_len, pick, picked, &w, &d);
    if (rc < 0) {
        rc = fail_diag(c, rc, &d);
        goto out;
    }
    out->len = at;
    mp_buf_raw(out, w.data, w.len);
    rc = 0;
out:
    mp_buf_free(&w);
    free(v1);
    free(cp);
    free(pf);
    return rc;
}

/*
 * Replaces the result at resp[at ..) with the signed answer (checkpoint.h) of
 * {method: str, params: array (the request's, byte for byte), result: the result}, as a bin.
 */
static int sign_result(ctl *c, mp_buf *resp, size_t at)
{
    mp_buf a, sa;
    int rc = 0;
    mp_buf_init(&a, RN_ANSWER_BYTES_MAX);
    mp_buf_init(&sa, RN_CONTROL_RESPONSE_BYTES_MAX);
    mp_put_map(&a, 3);
    mp_put_cstr(&a, "method");
    mp_put_cstr(&a, c->req.m->name);
    mp_put_cstr(&a, "params");
    mp_buf_raw(&a, c->req.params_raw, c->req.params_raw_len);
    mp_put_cstr(&a, "result");
    mp_buf_raw(&a, resp->data + at, resp->len - at);
    if (mp_buf_err(&a) != 0) {
        rc = fail_msg(c, RN_ETOOBIG, NULL, "the answer is too large to sign");
        goto out;
    }
    rc = node_answer_sign(c->n, a.data, a.len, c->now_ms, &sa);
    if (rc == 0)
        rc = mp_buf_err(&sa);
    if (rc < 0) {
        rc = fail(c, rc, NULL);
        goto out;
    }
    resp->len = at;
    mp_put_bin(resp, sa.data, sa.len);
out:
    mp_buf_free(&a);
    mp_buf_free(&sa);
    return rc;
}

static int m_status(ctl *c, mp_buf *out)
{
    const proto_member *self = node_self(c->n);
    store_head *heads = NULL;
    size_t heads_n = 0, forks_n = 0, peers_n = 0, connected = 0;
    uint64_t entries = 0, own_seq = 0, own_ts = 0;
    node_peer_info *peers = NULL;
    char key[PROTO_KEY_TEXT_LEN + 1];
    int rc;
    RN_GUARD(rc, heads_load(c, &c->r, &heads, &heads_n));
    peers = calloc(RN_ROSTER_MEMBERS_MAX, sizeof(*peers));
    if (peers == NULL) {
        rc = fail(c, RN_ENOMEM, NULL);
        goto out;
    }
    node_peers(c->n, peers, RN_ROSTER_MEMBERS_MAX, &peers_n);
    if (peers_n > RN_ROSTER_MEMBERS_MAX)
        peers_n = RN_ROSTER_MEMBERS_MAX;
    for (size_t i = 0; i < peers_n; i++)
        connected += peers[i].connected ? 1u : 0u;
    for (size_t i = 0; i < heads_n; i++) {
        entries += heads[i].seq;
        forks_n += (heads[i].flags & STORE_HEAD_FORKED) != 0 ? 1u : 0u;
        if (memcmp(heads[i].author, self->key, PROTO_KEY_BYTES) == 0) {
            own_seq = heads[i].seq;
            own_ts = heads[i].timestamp_ms;
        }
    }

    proto_key_text_format(self->key, key);
    mp_put_map(out, 13 + CTL_STATUS_DISK_KEYS + CTL_STATUS_WITNESS_KEYS);
    put_witness_status(c, out);
    put_disk_status(c, out, &c->r);
    mp_put_cstr(out, "country");
    mp_put_cstr(out, self->country);
    mp_put_cstr(out, "role");
    put_name_or_nil(out, proto_role_name((int)self->role));
    mp_put_cstr(out, "key");
    mp_put_cstr(out, key);
    mp_put_cstr(out, "seq");
    mp_put_uint(out, own_seq);
    mp_put_cstr(out, "entries");
    mp_put_uint(out, entries);
    mp_put_cstr(out, "authors");
    mp_put_uint(out, heads_n);
    mp_put_cstr(out, "forks");
    mp_put_array(out, (uint32_t)forks_n);
    for (size_t i = 0; i < heads_n; i++) {
        if ((heads[i].flags & STORE_HEAD_FORKED) == 0)
            continue;
        uint64_t fseq = 0;
        proto_str a, b;
        if (store_fork_get(&c->r, heads[i].author, &fseq, &a, &b) < 0)
            fseq = 0; /* forked flag without evidence: say so with seq 0 rather than fail */
        const char *cc = store_author_country(c->s, heads[i].author);
        mp_put_map(out, 3);
        mp_put_cstr(out, "author");
        mp_put_bin(out, heads[i].author, PROTO_KEY_BYTES);
        mp_put_cstr(out, "country");
        mp_put_cstr(out, cc != NULL ? cc : "");
        mp_put_cstr(out, "seq");
        mp_put_uint(out, fseq);
    }
    mp_put_cstr(out, "peers");
    mp_put_map(out, 2);
    mp_put_cstr(out, "connected");
    mp_put_uint(out, connected);
    mp_put_cstr(out, "known");
    mp_put_uint(out, peers_n);
    mp_put_cstr(out, "counters");
    put_counters(out, node_counters_get(c->n), node_guard_counters_get(c->n));
    put_catchup(c, out);
    mp_put_cstr(out, "index_pending");
    mp_put_bool(out, c->index_pending);
    mp_put_cstr(out, "time");
    mp_put_uint(out, c->now_ms);
    put_clock(c, out, own_ts);
    rc = 0;
out:
    free(heads);
    free(peers);
    return rc;
}

static int m_peers(ctl *c, mp_buf *out)
{
    size_t n = 0;
    node_peer_info *p = calloc(RN_ROSTER_MEMBERS_MAX, sizeof(*p));
    if (p == NULL)
        return fail(c, RN_ENOMEM, NULL);
    node_peers(c->n, p, RN_ROSTER_MEMBERS_MAX, &n);
    if (n > RN_ROSTER_MEMBERS_MAX)
        n = RN_ROSTER_MEMBERS_MAX;
    mp_put_array(out, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        /* A peer's silence is measured against the request's time, which the core has not
         * seen (a control request does not advance it): never below zero. */
        uint64_t last = p[i].last_frame_ms;
        uint64_t idle = p[i].connected && c->now_ms > last ? c->now_ms - last : 0;
        mp_put_map(out, 15);
        mp_put_cstr(out, "key");
        mp_put_bin(out, p[i].key, PROTO_KEY_BYTES);
        mp_put_cstr(out, "country");
        mp_put_str(out, p[i].country, strnlen(p[i].country, sizeof(p[i].country)));
        mp_put_cstr(out, "connected");
        mp_put_bool(out, p[i].connected);
        mp_put_cstr(out, "outgoing");
        mp_put_bool(out, p[i].outgoing);
        mp_put_cstr(out, "connected_since");
        mp_put_uint(out, p[i].connected_since_ms);
        mp_put_cstr(out, "bytes_in");
        mp_put_uint(out, p[i].bytes_in);
        mp_put_cstr(out, "bytes_out");
        mp_put_uint(out, p[i].bytes_out);
        mp_put_cstr(out, "entries_behind");
        mp_put_uint(out, p[i].entries_behind);
        mp_put_cstr(out, "peer_behind");
        mp_put_uint(out, p[i].peer_behind);
        mp_put_cstr(out, "last_frame");
        mp_put_uint(out, p[i].connected ? last : 0);
        mp_put_cstr(out, "idle_ms");
        mp_put_uint(out, idle);
        mp_put_cstr(out, "eager_authors");
        mp_put_uint(out, p[i].eager_authors);
        mp_put_cstr(out, "next_dial");
        mp_put_uint(out, p[i].next_dial_ms);
        /* Hostile members (PROTOCOL.md 11.5, 11.6). */
        mp_put_cstr(out, "demoted_authors");
        mp_put_uint(out, p[i].demoted_authors);
        mp_put_cstr(out, "serve_paused_until");
        mp_put_uint(out, p[i].serve_paused_until_ms);
    }
    free(p);
    return 0;
}

static int m_heads(ctl *c, mp_buf *out)
{
    store_head *h = NULL;
    size_t n = 0;
    int rc;
    RN_GUARD(rc, heads_load(c, &c->r, &h, &n));
    mp_put_array(out, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        const char *cc = store_author_country(c->s, h[i].author);
        mp_put_map(out, 7);
        mp_put_cstr(out, "author");
        mp_put_bin(out, h[i].author, PROTO_KEY_BYTES);
        mp_put_cstr(out, "country");
        mp_put_cstr(out, cc != NULL ? cc : "");
        mp_put_cstr(out, "seq");
        mp_put_uint(out, h[i].seq);
        mp_put_cstr(out, "id");
        mp_put_bin(out, h[i].id, PROTO_ID_BYTES);
        mp_put_cstr(out, "timestamp");
        mp_put_uint(out, h[i].timestamp_ms);
        mp_put_cstr(out, "forked");
        mp_put_bool(out, (h[i].flags & STORE_HEAD_FORKED) != 0);
        mp_put_cstr(out, "unsigned");
        mp_put_bool(out, (h[i].flags & STORE_HEAD_BADSIG) != 0);
    }
    rc = 0;
out:
    free(h);
    return rc;
}

typedef struct log_ctx {
    mp_buf *items; /* the entries as bin, concatenated */
    uint32_t n;
} log_ctx;

static int log_cb(void *ctx, uint64_t seq, const uint8_t *bytes, size_t len)
{
    log_ctx *l = ctx;
    (void)seq;
    mp_put_bin(l->items, bytes, len);
    if (mp_buf_err(l->items) != 0)
        return 1; /* full: stop; the entries written so far are whole */
    l->n++;
    return 0;
}

static int m_log(ctl *c, mp_buf *out)
{
    uint8_t author[PROTO_KEY_BYTES];
    uint64_t from, max;
    mp_buf items;
    size_t n = 0;
    RN_TRY(key_from(c, c->req.params[0], pname(c, 0), author));
    RN_TRY(arg_uint(c, 1, &from));
    RN_TRY(arg_uint_or(c, 2, RN_BATCH_ENTRIES_MAX, &max));
    if (from == 0 || from > RN_SEQ_MAX)
        return fail(c, RN_ESEQ, pname(c, 1));
    if (max == 0)
        return fail_msg(c, RN_EINVAL, pname(c, 2), "max must be at least 1");
    if (max > RN_BATCH_ENTRIES_MAX)
        max = RN_BATCH_ENTRIES_MAX;
    /* The entries stay within the response bound, and within what the caller's buffer has left
     * after the envelope. */
    size_t room = RN_CONTROL_RESPONSE_BYTES_MAX - CTL_SLACK_BYTES;
    size_t left = out->max > out->len ? out->max - out->len : 0;
    if (left < room + CTL_SLACK_BYTES)
        room = left > CTL_SLACK_BYTES ? left - CTL_SLACK_BYTES : 0;
    if (room < RN_ENTRY_BYTES_MAX + 8u * RN_BATCH_ENTRIES_MAX)
        return fail_msg(c, RN_ETOOBIG, NULL, "the response buffer cannot hold a batch");
    int rc;
    mp_buf_init(&items, room);
    log_ctx l = { &items, 0 };
    /* The byte bound counts entry bytes; each bin adds at most 5 bytes of header. */
    rc = store_entries_range(&c->r, author, from, (size_t)max, room - 5u * (size_t)max, log_cb, &l,
                             &n);
    if (rc < 0) {
        rc = fail(c, rc, NULL);
        goto out;
    }
    if (items.err == RN_ENOMEM) {
        rc = fail(c, RN_ENOMEM, NULL);
        goto out;
    }
    mp_put_array(out, l.n);
    if (items.len > 0)
        mp_buf_raw(out, items.data, items.len);
    rc = 0;
out:
    mp_buf_free(&items);
    return rc;
}

static int m_entry(ctl *c, mp_buf *out)
{
    proto_str id;
    uint8_t author[PROTO_KEY_BYTES];
    uint64_t seq;
    proto_str bytes;
    RN_TRY(arg_bin(c, 0, &id));
    if (id.len != PROTO_ID_BYTES)
        return fail(c, RN_ELEN, pname(c, 0));
    int rc;
    rc = store_entry_find(&c->r, id.ptr, author, &seq);
    if (rc == 0)
        rc = store_entry_get(&c->r, author, seq, &bytes);
    if (rc < 0) {
        rc = fail(c, rc, rc == RN_ENOTFOUND ? pname(c, 0) : NULL);
        goto out;
    }
    mp_put_map(out, 3);
    mp_put_cstr(out, "author");
    mp_put_bin(out, author, PROTO_KEY_BYTES);
    mp_put_cstr(out, "seq");
    mp_put_uint(out, seq);
    mp_put_cstr(out, "bytes");
    mp_put_bin(out, bytes.ptr, bytes.len);
out:
    return rc;
}

/* record [kind, id, at]: the latest version of a record as of at, as its entry's bytes. A client
 * that needs one record (a provider's issuer keys, a spec's provider) reads it without walking
 * its author's log. Revocations are named by a digest, not an id: `verify` answers for them. */
static int m_record(ctl *c, mp_buf *out)
{
    proto_str k, id, bytes;
    char name[CTL_NAME_BYTES];
    uint64_t at;
    store_version v;
    RN_TRY(arg_str(c, 0, &k));
    short_cstr(k, name);
    int kind = proto_kind_parse(name);
    if (kind < 0 || kind == PROTO_KIND_REVOCATION)
        return fail_msg(c, RN_EKIND, pname(c, 0),
                        "expected provider, spec, decision, policy or pathway");
    RN_TRY(arg_str(c, 1, &id));
    int rc = proto_id_check(id.ptr, id.len);
    if (rc < 0)
        return fail(c, rc, pname(c, 1));
    RN_TRY(arg_time(c, 2, &at));
    rc = store_version_get(&c->r, (proto_kind)kind, id.ptr, id.len, at, &v);
    if (rc == 0)
        rc = store_entry_get(&c->r, v.author, v.seq, &bytes);
    if (rc < 0) {
        rc = rc == RN_ENOTFOUND ? fail_absent(c, (proto_kind)kind, id, at, pname(c, 1), "",
                                              "no such record as of at")
                                : fail(c, rc, NULL);
        goto out;
    }
    mp_put_map(out, 4);
    mp_put_cstr(out, "author");
    mp_put_bin(out, v.author, PROTO_KEY_BYTES);
    mp_put_cstr(out, "seq");
    mp_put_uint(out, v.seq);
    mp_put_cstr(out, "timestamp");
    mp_put_uint(out, v.timestamp_ms);
    mp_put_cstr(out, "bytes");
    mp_put_bin(out, bytes.ptr, bytes.len);
out:
    return rc;
}

static int m_fork(ctl *c, mp_buf *out)
{
    uint8_t author[PROTO_KEY_BYTES];
    uint64_t seq;
    proto_str a, b;
    RN_TRY(key_from(c, c->req.params[0], pname(c, 0), author));
    int rc;
    rc = store_fork_get(&c->r, author, &seq, &a, &b);
    if (rc < 0) {
        rc = rc == RN_ENOTFOUND ? fail_msg(c, rc, pname(c, 0), "no fork evidence for this author")
                                : fail(c, rc, NULL);
        goto out;
    }
    mp_put_map(out, 3);
    mp_put_cstr(out, "seq");
    mp_put_uint(out, seq);
    mp_put_cstr(out, "a");
    mp_put_bin(out, a.ptr, a.len);
    mp_put_cstr(out, "b");
    mp_put_bin(out, b.ptr, b.len);
out:
    return rc;
}

static int m_roster(ctl *c, mp_buf *out)
{
    const proto_roster *ro = &c->s->roster;
    char key[PROTO_KEY_TEXT_LEN + 1];
    mp_buf enc;
    mp_buf_init(&enc, (size_t)RN_ROSTER_MEMBERS_MAX * 48u + 8u);
    int rc = proto_roster_encode(ro, &enc);
    if (rc < 0) {
        mp_buf_free(&enc);
        return fail(c, rc, NULL);
    }
    mp_put_map(out, 2);
    mp_put_cstr(out, "encoded");
    mp_put_bin(out, enc.data, enc.len);
    mp_put_cstr(out, "members");
    mp_put_array(out, (uint32_t)ro->count);
    for (size_t i = 0; i < ro->count; i++) {
        const proto_member *m = &ro->members[i];
        proto_key_text_format(m->key, key);
        mp_put_map(out, 3);
        mp_put_cstr(out, "key");
        mp_put_cstr(out, key);
        mp_put_cstr(out, "country");
        mp_put_cstr(out, m->country);
        mp_put_cstr(out, "role");
        put_name_or_nil(out, proto_role_name((int)m->role));
    }
    mp_buf_free(&enc);
    return 0;
}

/* A spec of the node's own authority names a provider the node already holds: its own provider
 * record, as the latest version (PROTOCOL.md section 12.3, publish). A body that does not decode,
 * or whose provider carries another country's prefix, is left to node_publish, which names the
 * fault. Entries received from peers are not checked this way: a peer's spec may arrive before
 * its provider. The one read of a write method: its snapshot ends here, before node_publish writes.
 * Returns 0, or RN_ENOTFOUND (field spec.provider), RN_ENOMEM, RN_ESTORE. */
static int own_provider_check(ctl *c, const uint8_t *body, size_t len)
{
    const proto_member *self = node_self(c->n);
    proto_record *r = malloc(sizeof(*r));
    store_read rd;
    store_version v;
    char msg[128];
    int rc;
    if (r == NULL)
        return fail(c, RN_ENOMEM, NULL);
    if (self == NULL || proto_record_decode(r, PROTO_KIND_SPEC, body, len, NULL) < 0 ||
        proto_record_check_author(r, self->country, NULL) < 0) {
        free(r);
        return 0;
    }
    proto_str p = r->u.spec.provider;
    rc = store_query_begin(c->s, &rd);
    if (rc < 0) {
        free(r);
        return fail(c, rc, NULL);
    }
    rc = store_version_get(&rd, PROTO_KIND_PROVIDER, p.ptr, p.len, UINT64_MAX, &v);
    if (rc == 0 && memcmp(v.author, self->key, PROTO_KEY_BYTES) != 0)
        rc = RN_ENOTFOUND;
    if (rc == RN_ENOTFOUND) {
        snprintf(msg, sizeof(msg), "no provider %.*s on this node's log: publish it first",
                 (int)(p.len < 64u ? p.len : 64u), (const char *)p.ptr);
        rc = fail_msg(c, RN_ENOTFOUND, "spec.provider", msg);
    } else if (rc < 0) {
        rc = fail(c, rc, NULL);
    }
    store_read_end(&rd);
    free(r);
    return rc;
}

/* publish [kind, body] and the aliases <kind>.publish [body]. */
/* What publish and publish.batch take: the registry's kinds. A roster change (kind 7) is
 * published by roster.propose and roster.approve, a succession (kind 8) by the node itself when it
 * switches keys (PROTOCOL.md 11.11). */
#define KINDS_EXPECTED "expected provider, spec, decision, policy, pathway or revocation"
#define KINDS_GOVERNED                                                                             \
    "roster changes are published with roster.propose and roster.approve, a succession by the "    \
    "node when it switches keys"

static int m_publish(ctl *c, mp_buf *out)
{
    proto_kind kind = c->req.m->kind;
    uint32_t bi = 0;
    proto_str body;
    uint64_t seq = 0;
    uint8_t id[PROTO_ID_BYTES];
    rn_diag d;
    memset(&d, 0, sizeof(d));
    if (kind == 0) {
        proto_str k;
        char name[CTL_NAME_BYTES];
        RN_TRY(arg_str(c, 0, &k));
        short_cstr(k, name);
        int v = proto_kind_parse(name);
        if (v < 0 || !proto_kind_is_registry(v))
            return fail_msg(c, RN_EKIND, pname(c, 0), v < 0 ? KINDS_EXPECTED : KINDS_GOVERNED);
        kind = (proto_kind)v;
        bi = 1;
    }
    RN_TRY(arg_bin(c, bi, &body));
    if (kind == PROTO_KIND_SPEC)
        RN_TRY(own_provider_check(c, body.ptr, body.len));
    int rc = node_publish(c->n, kind, body.ptr, body.len, c->now_ms, &seq, id, &d);
    if (rc == RN_ETIME) {
        char msg[CTL_MESSAGE_BYTES - 32u];
        uint64_t head = node_head_time_ms(c->n);
        snprintf(msg, sizeof(msg),
                 "the log's head is stamped %llu (ms since the epoch), %llu s ahead of the "
                 "node's clock; publishing resumes when the clock is within %u s of it",
                 (unsigned long long)head,
                 (unsigned long long)(head > c->now_ms ? (head - c->now_ms) / 1000u : 0),
                 RN_CLOCK_PUBLISH_AHEAD_MS_MAX / 1000u);
        return fail_msg(c, rc, "timestamp", msg);
    }
    if (rc < 0)
        return fail_diag(c, rc, &d);
    mp_put_map(out, 2);
    mp_put_cstr(out, "seq");
    mp_put_uint(out, seq);
    mp_put_cstr(out, "id");
    mp_put_bin(out, id, PROTO_ID_BYTES);
    return 0;
}

/*
 * The providers of the specs of a batch: each must be the node's own provider record, published
 * before (as for publish) or earlier in the same batch. One snapshot for the whole batch, ended
 * before the write. Bodies that do not decode are left to store_append_batch, which names the
 * fault. Returns 0, or RN_ENOTFOUND (field "bodies", index: the spec), RN_ENOMEM, RN_ESTORE.
 */
static int batch_provider_check(ctl *c, const store_append_item *items, size_t k)
{
    const proto_member *self = node_self(c->n);
    proto_record *r = malloc(sizeof(*r));
    proto_str *provs = malloc(k * sizeof(*provs));  /* the batch's provider ids, in order */
    size_t *prov_at = malloc(k * sizeof(*prov_at)); /* their positions */
    size_t provs_n = 0;
    store_read rd;
    bool open = false;
    char msg[CTL_MESSAGE_BYTES - 32u];
    int rc = 0;
    if (r == NULL || provs == NULL || prov_at == NULL) {
        rc = fail(c, RN_ENOMEM, NULL);
        goto out;
    }
    /* Each provider decoded once (its keys are checked points: the costly part of a decode). */
    for (size_t i = 0; i < k; i++) {
        if (items[i].kind != PROTO_KIND_PROVIDER ||
            proto_record_decode(r, PROTO_KIND_PROVIDER, items[i].body, items[i].body_len, NULL) < 0)
            continue;
        provs[provs_n] = r->u.provider.id; /* borrows the request's bytes */
        prov_at[provs_n++] = i;
    }
    for (size_t i = 0; i < k && rc == 0; i++) {
        if (items[i].kind != PROTO_KIND_SPEC ||
            proto_record_decode(r, PROTO_KIND_SPEC, items[i].body, items[i].body_len, NULL) < 0 ||
            proto_record_check_author(r, self->country, NULL) < 0)
            continue;
        proto_str p = r->u.spec.provider;
        bool found = false;
        for (size_t j = 0; j < provs_n && prov_at[j] < i && !found; j++)
            found = provs[j].len == p.len && memcmp(provs[j].ptr, p.ptr, p.len) == 0;
        if (found)
            continue;
        store_version v;
        if (!open) {
            if ((rc = store_query_begin(c->s, &rd)) < 0) {
                rc = fail(c, rc, NULL);
                break;
            }
            open = true;
        }
        rc = store_version_get(&rd, PROTO_KIND_PROVIDER, p.ptr, p.len, UINT64_MAX, &v);
        if (rc == 0 && memcmp(v.author, self->key, PROTO_KEY_BYTES) != 0)
            rc = RN_ENOTFOUND;
        if (rc == RN_ENOTFOUND) {
            snprintf(msg, sizeof(msg),
                     "spec.provider: no provider %.*s on this node's log nor before it in the "
                     "batch",
                     (int)(p.len < 64u ? p.len : 64u), (const char *)p.ptr);
            rc = fail_msg(c, RN_ENOTFOUND, pname(c, 1), msg);
            c->err.has_index = true;
            c->err.index = (uint32_t)i;
        } else if (rc < 0) {
            rc = fail(c, rc, NULL);
        }
    }
    if (open)
        store_read_end(&rd);
out:
    free(r);
    free(provs);
    free(prov_at);
    return rc;
}

/* publish.batch [kinds, bodies]: the records in order, one commit, one fsync. */
static int m_publish_batch(ctl *c, mp_buf *out)
{
    mp_cur kc = c->req.params[0], bc = c->req.params[1];
    uint32_t nk, nb;
    store_append_item *items = NULL;
    uint64_t first = 0;
    uint8_t id[PROTO_ID_BYTES];
    size_t failed = 0, total = 0;
    rn_diag d;
    int rc = 0;
    memset(&d, 0, sizeof(d));
    if (mp_read_array(&kc, &nk) < 0)
        return fail(c, RN_ETYPE, pname(c, 0));
    if (mp_read_array(&bc, &nb) < 0)
        return fail(c, RN_ETYPE, pname(c, 1));
    if (nk != nb)
        return fail_msg(c, RN_ECOUNT, pname(c, 1), "as many bodies as kinds");
    if (nk == 0 || nk > RN_APPEND_BATCH_RECORDS_MAX) {
        char msg[96];
        snprintf(msg, sizeof(msg), "1 to %u records", RN_APPEND_BATCH_RECORDS_MAX);
        return fail_msg(c, RN_ECOUNT, pname(c, 0), msg);
    }
    items = malloc(nk * sizeof(*items));
    if (items == NULL)
        return fail(c, RN_ENOMEM, NULL);
    for (uint32_t i = 0; i < nk; i++) {
        const uint8_t *name, *body;
        uint32_t name_len, body_len;
        char kname[CTL_NAME_BYTES];
        if (mp_read_str(&kc, &name, &name_len) < 0) {
            rc = fail(c, RN_ETYPE, pname(c, 0));
            goto index;
        }
        short_cstr((proto_str){ name, name_len }, kname);
        int v = proto_kind_parse(kname);
        if (v < 0 || !proto_kind_is_registry(v)) {
            rc = fail_msg(c, RN_EKIND, pname(c, 0), v < 0 ? KINDS_EXPECTED : KINDS_GOVERNED);
            goto index;
        }
        if (mp_read_bin(&bc, &body, &body_len) < 0) {
            rc = fail(c, RN_ETYPE, pname(c, 1));
            goto index;
        }
        total += body_len;
        items[i] = (store_append_item){ (proto_kind)v, body, body_len };
        continue;
    index:
        c->err.has_index = true;
        c->err.index = i;
        goto out;
    }
    if (total > RN_APPEND_BATCH_BODY_BYTES_MAX) {
        rc = fail_msg(c, RN_ETOOBIG, pname(c, 1), "the bodies of one batch pass its byte bound");
        goto out;
    }
    if ((rc = batch_provider_check(c, items, nk)) < 0)
        goto out;
    rc = node_publish_batch(c->n, items, nk, c->now_ms, &first, id, &failed, &d);
    if (rc == RN_ETIME && d.field != NULL && strcmp(d.field, "entry.timestamp") == 0) {
        rc = fail_msg(c, rc, "timestamp",
                      "the log's head is ahead of the node's clock; publishing resumes when the "
                      "clock catches up");
        goto out;
    }
    if (rc < 0 && failed < nk) {
        /* A refused record: its position in the batch, and the record's own field. */
        char msg[CTL_MESSAGE_BYTES - 32u];
        snprintf(msg, sizeof(msg), "%s%s%s", d.code == rc && d.field != NULL ? d.field : "",
                 d.code == rc && d.field != NULL ? ": " : "", rn_strerror(rc));
        fail_msg(c, rc, pname(c, 1), msg);
        c->err.has_index = true;
        c->err.index = (uint32_t)failed;
        goto out;
    }
    if (rc < 0) {
        rc = fail_diag(c, rc, &d);
        goto out;
    }
    mp_put_map(out, 4);
    mp_put_cstr(out, "first_seq");
    mp_put_uint(out, first);
    mp_put_cstr(out, "last_seq");
    mp_put_uint(out, first + nk - 1);
    mp_put_cstr(out, "count");
    mp_put_uint(out, nk);
    mp_put_cstr(out, "id");
    mp_put_bin(out, id, PROTO_ID_BYTES);
out:
    free(items);
    return rc;
}

/*
 * A proof bundle is the last value of its answer, but it is built with the answer's other fields
 * (query_recognise, query_verify), before they are written. Rather than build it in a buffer of
 * its own (a malloc and a chain of reallocs per request) and copy it into the response, the query
 * appends it to the response at `at`, the answer's fields and the bin header follow it, and this
 * puts the two parts in their order: out[at ..) = bundle (bundle_len) | head, becomes head |
 * bundle. The head is small next to the bundle in general; one of at most ROTATE_STACK_BYTES is
 * moved through the stack, a larger one by three reversals, in place either way.
 */
#define ROTATE_STACK_BYTES 4096u

static void reverse(uint8_t *p, size_t n)
{
    for (size_t i = 0, j = n; i + 1 < j; i++, j--) {
        uint8_t t = p[i];
        p[i] = p[j - 1];
        p[j - 1] = t;
    }
}

static void bundle_last(mp_buf *out, size_t at, size_t bundle_len)
{
    uint8_t *p = out->data + at;
    size_t head = out->len - at - bundle_len;
    RN_ASSERT(at + bundle_len <= out->len);
    if (head <= ROTATE_STACK_BYTES) {
        uint8_t tmp[ROTATE_STACK_BYTES];
        memcpy(tmp, p + bundle_len, head);
        memmove(p + head, p, bundle_len);
        memcpy(p, tmp, head);
    } else {
        reverse(p, bundle_len);
        reverse(p + bundle_len, head);
        reverse(p, bundle_len + head);
    }
}

static const code_field recognise_fields[] = {
    { RN_ELEN, "spec" },        { RN_EID, "spec" },      { RN_ENOTFOUND, "spec" },
    { RN_ECOUNTRY, "country" }, { RN_EENUM, "purpose" }, { 0, NULL },
};

/* fail_absent for a spec, or the provider it names, not found as of `at`, at `field`. */
static int fail_spec_absent(ctl *c, proto_str spec, uint64_t at, const char *field)
{
    static const char message[] = "no such spec, or no provider of it, as of at";
    store_version v;
    proto_record *r;
    if (store_version_get(&c->r, PROTO_KIND_SPEC, spec.ptr, spec.len, at, &v) != 0 ||
        (r = malloc(sizeof(*r))) == NULL)
        return fail_absent(c, PROTO_KIND_SPEC, spec, at, field, "", message);
    int rc = store_version_load(&c->r, &v, NULL, r) == 0
                 ? fail_absent(c, PROTO_KIND_PROVIDER, r->u.spec.provider, at, field,
                               "its provider ", message)
                 : fail_msg(c, RN_ENOTFOUND, field, message);
    free(r);
    return rc;
}

static int m_recognise(ctl *c, mp_buf *out)
{
    proto_str spec;
    const char *cc;
    uint32_t purpose;
    uint64_t at;
    query_recognition q;
    RN_TRY(arg_str(c, 0, &spec));
    RN_TRY(arg_country(c, 1, &cc));
    RN_TRY(arg_purpose(c, 2, &purpose));
    RN_TRY(arg_time(c, 3, &at));
    uint64_t valid;
    RN_TRY(arg_valid_at(c, 4, at, &valid));
    size_t bundle_at = out->len;
    int rc = query_recognise_valid(&c->r, spec, cc, purpose, at, valid, &q, out);
    if (rc == RN_ENOTFOUND)
        return fail_spec_absent(c, spec, at, "spec");
    if (rc < 0)
        return fail_query(c, rc, recognise_fields, "no such spec, or no provider of it, as of at");
    if (c->opt.witnessed > 0 && mp_buf_err(out) == 0)
        RN_TRY(witness_bundle(c, out, bundle_at));
    size_t bundle_len = out->len - bundle_at;
    mp_put_map(out, RECOGNITION_FIELDS + 3u);
    put_recognition_fields(out, &q);
    mp_put_cstr(out, "at");
    mp_put_uint(out, at);
    mp_put_cstr(out, "valid_at");
    mp_put_uint(out, valid);
    mp_put_cstr(out, "proof");
    mp_put_bin_header(out, bundle_len);
    if (mp_buf_err(out) != 0)
        return 0; /* node_control answers the overflow */
    bundle_last(out, bundle_at, bundle_len);
    return 0;
}

/*
 * The recognition matrix of a spec: recognise for each of the 30 countries and each purpose, as
 * of one time, in one read transaction. Each answer is recognise's recognition map without its
 * proof bundle (a bundle per cell would be 90 bundles; recognise gives the one a verifier keeps).
 */
static int m_matrix(ctl *c, mp_buf *out)
{
    proto_str spec;
    uint64_t at;
    uint32_t purposes = 0;
    mp_buf scratch;
    int rc = 0;
    uint64_t valid;
    RN_TRY(arg_str(c, 0, &spec));
    RN_TRY(arg_time(c, 1, &at));
    RN_TRY(arg_valid_at(c, 2, at, &valid));
    while (proto_enum_value_name(PROTO_ENUM_PURPOSE, purposes + 1u) != NULL)
        purposes++;
    mp_buf_init(&scratch, RN_CONTROL_RESPONSE_BYTES_MAX);
    mp_put_map(out, 4);
    mp_put_cstr(out, "spec");
    mp_put_str(out, spec.ptr, spec.len);
    mp_put_cstr(out, "at");
    mp_put_uint(out, at);
    mp_put_cstr(out, "valid_at");
    mp_put_uint(out, valid);
    mp_put_cstr(out, "countries");
    mp_put_map(out, PROTO_COUNTRIES_COUNT);
    for (size_t i = 0; i < PROTO_COUNTRIES_COUNT; i++) {
        const proto_country *pc = proto_country_at(i);
        RN_ASSERT(pc != NULL);
        mp_put_cstr(out, pc->alpha2);
        for (uint32_t p = 1; p <= purposes; p++) {
            query_recognition q;
            mp_buf_reset(&scratch);
            rc = query_recognise_valid(&c->r, spec, pc->alpha2, p, at, valid, &q, &scratch);
            if (rc == RN_ECOUNTRY && p == 1) {
                mp_put_nil(out); /* no authority of that country in the roster */
                break;
            }
            if (rc < 0) {
                rc = fail_query(c, rc, recognise_fields,
                                "no such spec, or no provider of it, as of at");
                goto out;
            }
            if (p == 1)
                mp_put_map(out, purposes);
            mp_put_cstr(out, proto_enum_value_name(PROTO_ENUM_PURPOSE, p));
            mp_put_map(out, RECOGNITION_FIELDS);
            put_recognition_fields(out, &q);
        }
    }
    rc = 0;
out:
    mp_buf_free(&scratch);
    return rc;
}

/* report [at, valid_at]: the federation report (store/report.h) known at `at`, valid at
 * `valid_at`, every country of countries.tsv. */
static void put_outcomes(mp_buf *out, uint64_t total, const uint64_t *by)
{
    mp_put_map(out, 1 + REPORT_OUTCOMES);
    mp_put_cstr(out, "total");
    mp_put_uint(out, total);
    for (uint32_t o = 0; o < REPORT_OUTCOMES; o++) {
        mp_put_cstr(out, proto_enum_value_name(PROTO_ENUM_OUTCOME, o + 1u));
        mp_put_uint(out, by[o]);
    }
}

static int m_report(ctl *c, mp_buf *out)
{
    uint64_t at, valid;
    RN_TRY(arg_time(c, 0, &at));
    RN_TRY(arg_valid_at(c, 1, at, &valid));
    report *rep = malloc(sizeof(*rep));
    if (rep == NULL)
        return fail(c, RN_ENOMEM, NULL);
    int rc = report_compute_valid(&c->r, at, valid, rep);
    if (rc < 0) {
        free(rep);
        return fail(c, rc, NULL);
    }
    mp_put_map(out, 3);
    mp_put_cstr(out, "at");
    mp_put_uint(out, at);
    mp_put_cstr(out, "valid_at");
    mp_put_uint(out, valid);
    mp_put_cstr(out, "countries");
    mp_put_map(out, PROTO_COUNTRIES_COUNT);
    for (size_t i = 0; i < PROTO_COUNTRIES_COUNT; i++) {
        const report_country *k = &rep->c[i];
        mp_put_cstr(out, proto_country_at(i)->alpha2);
        mp_put_map(out, 8);
        mp_put_cstr(out, "providers");
        mp_put_uint(out, k->providers);
        mp_put_cstr(out, "specs");
        mp_put_uint(out, k->specs);
        mp_put_cstr(out, "specs_eqf");
        mp_put_uint(out, k->specs_eqf);
        mp_put_cstr(out, "specs_external_qa");
        mp_put_uint(out, k->specs_external_qa);
        mp_put_cstr(out, "specs_stackable");
        mp_put_uint(out, k->specs_stackable);
        mp_put_cstr(out, "pathways");
        mp_put_uint(out, k->pathways);
        mp_put_cstr(out, "decisions");
        put_outcomes(out, k->decisions, k->decision_outcomes);
        mp_put_cstr(out, "policies");
        put_outcomes(out, k->policies, k->policy_outcomes);
    }
    free(rep);
    return 0;
}

/* status.list provider [at] [url]: the provider's revocations as a Bitstring Status List
 * credential signed by this node's key (PROTOCOL.md 13.7). Only the authority of the provider's
 * country holds that key: another node, or a mirror, answers RN_EROLE naming the authority.
 *
 * The cache. Reading the bits walks the authority's log (some 2.5 us an entry: 50 ms for 20,000
 * entries) and GZIP costs 1-10 ms (10,000 bits set), both on the node's loop; the signature and
 * JCS well under a millisecond. The encoded list is therefore kept per provider, keyed by the
 * node, the authority's head seq and the window of times in which its bits hold
 * (store_status_counts.same_from_ms .. same_until_ms): a gateway asked for a list "now" again
 * and again answers from it until the authority publishes or a revocation comes in force. A few
 * slots, replaced least recently used first; the cache is the process's, as the node's loop is
 * its one thread (recnet-sim's cores share a thread, and the key names the node). */
#define STATUS_CACHE_SLOTS 8u
typedef struct status_slot {
    uint8_t node[PROTO_KEY_BYTES];
    char provider[RN_ID_BYTES_MAX + 1];
    uint64_t head_seq; /* 0: an empty slot */
    store_status_counts k;
    char *enc; /* owned */
    uint64_t used;
} status_slot;
static status_slot status_cache[STATUS_CACHE_SLOTS];
static uint64_t status_cache_clock;

static status_slot *status_cache_find(const uint8_t *node_key, proto_str prov, uint64_t head_seq,
                                      uint64_t at)
{
    for (size_t i = 0; i < STATUS_CACHE_SLOTS; i++) {
        status_slot *s = &status_cache[i];
        if (s->head_seq == head_seq && s->head_seq != 0 && s->k.same_from_ms <= at &&
            at < s->k.same_until_ms && strlen(s->provider) == prov.len &&
            memcmp(s->provider, prov.ptr, prov.len) == 0 &&
            memcmp(s->node, node_key, PROTO_KEY_BYTES) == 0) {
            s->used = ++status_cache_clock;
            return s;
        }
    }
    return NULL;
}

/* Keeps enc (taken) for the provider; returns the slot. */
static status_slot *status_cache_put(const uint8_t *node_key, proto_str prov,
                                     const store_status_counts *k, char *enc)
{
    status_slot *s = &status_cache[0];
    for (size_t i = 1; i < STATUS_CACHE_SLOTS; i++)
        if (status_cache[i].used < s->used)
            s = &status_cache[i];
    free(s->enc);
    memcpy(s->node, node_key, PROTO_KEY_BYTES);
    snprintf(s->provider, sizeof(s->provider), "%.*s", (int)prov.len, (const char *)prov.ptr);
    s->head_seq = k->head_seq;
    s->k = *k;
    s->enc = enc;
    s->used = ++status_cache_clock;
    return s;
}
static int sign_cb(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[64])
{
    RN_ASSERT(len == 64);
    node_sign_document((const node *)ctx, msg, sig);
    return 0;
}

static int m_status_list(ctl *c, mp_buf *out)
{
    proto_str prov, url = { NULL, 0 };
    uint64_t at;
    RN_TRY(arg_str(c, 0, &prov));
    int rc = proto_id_check(prov.ptr, prov.len);
    if (rc < 0)
        return fail(c, rc, pname(c, 0));
    RN_TRY(arg_time(c, 1, &at));
    if (!arg_nil(c, 2))
        RN_TRY(arg_str(c, 2, &url));
    const proto_member *me = node_self(c->n);
    if (me->role != PROTO_ROLE_AUTHORITY || memcmp(me->country, prov.ptr, 2) != 0) {
        char msg[128];
        const proto_member *a = proto_roster_authority(&c->s->roster, (const char *)prov.ptr, 2);
        char text[PROTO_KEY_TEXT_LEN + 1] = "";
        if (a != NULL)
            proto_key_text_format(a->key, text);
        snprintf(msg, sizeof(msg), "only %.2s's authority %s signs its providers' status lists",
                 (const char *)prov.ptr, a != NULL ? text : "(none in the roster)");
        return fail_msg(c, RN_EROLE, pname(c, 0), msg);
    }
    store_version v;
    rc = store_version_get(&c->r, PROTO_KIND_PROVIDER, prov.ptr, prov.len, at, &v);
    if (rc == RN_ENOTFOUND)
        return fail_msg(c, rc, pname(c, 0), "no such provider as of at");
    if (rc < 0)
        return fail(c, rc, NULL);
    /* The list's id: the URL the caller names (the gateway: its own), else a URN. */
    char id[RN_URL_BYTES_MAX + 1];
    if (url.len > 0) {
        if (url.len > RN_URL_BYTES_MAX || memchr(url.ptr, 0, url.len) != NULL)
            return fail_msg(c, RN_EURL, pname(c, 2), "an http(s) URL of at most 512 bytes");
        snprintf(id, sizeof(id), "%.*s", (int)url.len, (const char *)url.ptr);
    } else {
        snprintf(id, sizeof(id), "urn:recnet:status:%.*s", (int)prov.len, (const char *)prov.ptr);
    }
    uint8_t *bits = NULL;
    char *doc = NULL, *enc = NULL;
    store_head h;
    rc = store_head_get(&c->r, me->key, &h);
    if (rc < 0)
        return fail(c, rc, NULL); /* the provider's entry is in our log: it has a head */
    status_slot *slot = status_cache_find(me->key, prov, h.seq, at);
    if (slot == NULL) {
        store_status_counts k;
        bits = malloc(STORE_STATUS_BYTES);
        if (bits == NULL)
            return fail(c, RN_ENOMEM, NULL);
        rc = store_status_bits(&c->r, prov, at, bits, &k);
        if (rc == 0)
            rc = cred_status_list_encode(bits, STORE_STATUS_BYTES, &enc);
        if (rc < 0) {
            rc = fail(c, rc, NULL);
            goto out;
        }
        RN_ASSERT(k.head_seq == h.seq);
        slot = status_cache_put(me->key, prov, &k, enc);
    }
    const store_status_counts *kc = &slot->k;
    cred_status_list_doc d = { id, me->key, at, "revocation", NULL, 0, slot->enc };
    rc = cred_status_list_credential(&d, sign_cb, c->n, &doc);
    if (rc == RN_EINVAL) {
        rc = fail_msg(c, RN_EURL, pname(c, 2), "an absolute http(s) URL or URN without spaces");
        goto out;
    }
    if (rc < 0) {
        rc = fail(c, rc, NULL);
        goto out;
    }
    char did[CRED_DID_KEY_CHARS];
    cred_did_key_ed25519(me->key, did);
    mp_put_map(out, 9);
    mp_put_cstr(out, "provider");
    mp_put_str(out, prov.ptr, prov.len);
    mp_put_cstr(out, "at");
    mp_put_uint(out, at);
    mp_put_cstr(out, "id");
    mp_put_cstr(out, id);
    mp_put_cstr(out, "issuer");
    mp_put_cstr(out, did);
    mp_put_cstr(out, "entries");
    mp_put_uint(out, RN_STATUS_LIST_BITS);
    mp_put_cstr(out, "revoked");
    mp_put_uint(out, kc->set);
    mp_put_cstr(out, "revocations");
    mp_put_uint(out, kc->revocations);
    mp_put_cstr(out, "unindexed");
    mp_put_uint(out, kc->revocations - kc->indexed);
    mp_put_cstr(out, "credential");
    mp_put_cstr(out, doc);
out:
    free(doc);
    free(bits);
    return rc;
}

/* The keys a search filter may carry. */
typedef enum filter_key {
    FK_COUNTRY,
    FK_PROVIDER,
    FK_EQF_MIN,
    FK_EQF_MAX,
    FK_ISCED,
    FK_ECTS_MIN,
    FK_TEXT,
    FK_COUNT
} filter_key;

static const struct {
    const char *name;
    bool is_uint;
} filter_keys[FK_COUNT] = {
    [FK_COUNTRY] = { "country", false }, [FK_PROVIDER] = { "provider", false },
    [FK_EQF_MIN] = { "eqf_min", true },  [FK_EQF_MAX] = { "eqf_max", true },
    [FK_ISCED] = { "isced", false },     [FK_ECTS_MIN] = { "ects_min", true },
    [FK_TEXT] = { "text", false },
};

static int parse_filter(ctl *c, query_filter *f)
{
    mp_cur cur = c->req.params[0];
    uint32_t n;
    uint32_t seen = 0;
    char field[CTL_FIELD_BYTES];
    memset(f, 0, sizeof(*f));
    if (arg_nil(c, 0))
        return 0;
    if (mp_read_map(&cur, &n) < 0)
        return fail(c, RN_ETYPE, "filter");
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *k;
        uint32_t klen;
        int which = -1;
        if (mp_read_str(&cur, &k, &klen) < 0)
            return fail(c, RN_ETYPE, "filter");
        for (int j = 0; j < FK_COUNT; j++) {
            if (strlen(filter_keys[j].name) == klen && memcmp(filter_keys[j].name, k, klen) == 0)
                which = j;
        }
        if (which < 0) {
            char name[CTL_NAME_BYTES];
            short_cstr((proto_str){ k, klen }, name);
            snprintf(field, sizeof(field), "filter.%s", name);
            return fail_msg(c, RN_EUNKNOWNFIELD, field,
                            "filter keys are country, provider, eqf_min, eqf_max, isced, "
                            "ects_min, text");
        }
        snprintf(field, sizeof(field), "filter.%s", filter_keys[which].name);
        if ((seen & (1u << which)) != 0)
            return fail(c, RN_EFIELDORDER, field);
        seen |= 1u << which;
        if (filter_keys[which].is_uint) {
            uint64_t v;
            if (mp_read_uint(&cur, &v) < 0)
                return fail(c, RN_ETYPE, field);
            if (v > UINT32_MAX)
                return fail(c, which == FK_ECTS_MIN ? RN_EECTS : RN_EEQF, field);
            if (which == FK_EQF_MIN)
                f->eqf_min = (uint32_t)v;
            else if (which == FK_EQF_MAX)
                f->eqf_max = (uint32_t)v;
            else
                f->ects_min_centi = (uint32_t)v;
            continue;
        }
        const uint8_t *s;
        uint32_t slen;
        if (mp_read_str(&cur, &s, &slen) < 0)
            return fail(c, RN_ETYPE, field);
        proto_str v = { s, slen };
        switch (which) {
        case FK_COUNTRY:
            if (slen != 2 || proto_country_find((const char *)s, 2) == NULL)
                return fail(c, RN_ECOUNTRY, field);
            f->country = v;
            break;
        case FK_PROVIDER:
            f->provider = v;
            break;
        case FK_ISCED:
            f->isced = v;
            break;
        case FK_TEXT:
            f->text = v;
            break;
        default:
            RN_ASSERT(0);
        }
    }
    if (f->eqf_min > PROTO_EQF_MAX)
        return fail(c, RN_EEQF, "filter.eqf_min");
    if (f->eqf_max > PROTO_EQF_MAX)
        return fail(c, RN_EEQF, "filter.eqf_max");
    if (f->eqf_min != 0 && f->eqf_max != 0 && f->eqf_min > f->eqf_max)
        return fail(c, RN_EINCONSISTENT, "filter.eqf_max");
    return 0;
}

static int m_search(ctl *c, mp_buf *out)
{
    query_filter f;
    uint64_t at, limit;
    proto_str after = { NULL, 0 };
    query_hit *hits = NULL;
    uint32_t n = 0;
    bool more = false;
    RN_TRY(parse_filter(c, &f));
    RN_TRY(arg_time(c, 1, &at));
    if (!arg_nil(c, 2))
        RN_TRY(arg_str(c, 2, &after));
    RN_TRY(arg_uint_or(c, 3, CTL_SEARCH_LIMIT_DEFAULT, &limit));
    uint64_t valid;
    RN_TRY(arg_valid_at(c, 4, at, &valid));
    if (after.len > RN_ID_BYTES_MAX)
        return fail(c, RN_ELEN, pname(c, 2));
    if (limit == 0 || limit > RN_SEARCH_RESULTS_MAX)
        return fail_msg(c, RN_EINVAL, pname(c, 3), "limit must be 1 .. 1000");
    hits = calloc((size_t)limit, sizeof(*hits));
    if (hits == NULL)
        return fail(c, RN_ENOMEM, NULL);
    int rc;
    rc = query_search_valid(&c->r, &f, at, valid, after, (uint32_t)limit, hits, &n, &more);
    if (rc < 0) {
        rc = fail(c, rc, rc == RN_ECOUNTRY ? "filter.country" : rc == RN_EINVAL ? "filter" : NULL);
        goto out;
    }
    mp_put_map(out, 2);
    mp_put_cstr(out, "hits");
    mp_put_array(out, n);
    for (uint32_t i = 0; i < n; i++) {
        const query_hit *h = &hits[i];
        mp_put_map(out, 8);
        mp_put_cstr(out, "spec_id");
        mp_put_cstr(out, h->spec_id);
        mp_put_cstr(out, "entry");
        put_ref(out, &h->entry);
        mp_put_cstr(out, "title");
        mp_put_cstr(out, h->title);
        mp_put_cstr(out, "ects_centi");
        mp_put_uint(out, h->ects_centi);
        mp_put_cstr(out, "eqf");
        put_uint_or_nil(out, h->eqf != 0, h->eqf);
        mp_put_cstr(out, "provider_id");
        mp_put_cstr(out, h->provider_id);
        mp_put_cstr(out, "provider_name");
        put_str_or_nil(out, h->provider_name);
        mp_put_cstr(out, "provider_status");
        put_name_or_nil(out, proto_enum_value_name(PROTO_ENUM_PROVIDER_STATUS, h->provider_status));
    }
    mp_put_cstr(out, "more");
    mp_put_bool(out, more);
out:
    free(hits);
    return rc;
}

/* The claim map of verify: {spec, issuer_key or issuer_key_id, issued_at, credential}, string
 * keys, any order. issuer_key_id names a key of provider.issuer_keys_ext by its 32-byte id. */
static int parse_claim(ctl *c, query_claim *q, uint8_t issuer[PROTO_KEY_BYTES])
{
    static const char *const names[5] = { "spec", "issuer_key", "issued_at", "credential",
                                          "issuer_key_id" };
    mp_cur cur = c->req.params[0];
    uint32_t n, seen = 0;
    char field[CTL_FIELD_BYTES];
    memset(q, 0, sizeof(*q));
    if (mp_read_map(&cur, &n) < 0)
        return fail(c, RN_ETYPE, "claim");
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *k;
        uint32_t klen;
        int which = -1;
        if (mp_read_str(&cur, &k, &klen) < 0)
            return fail(c, RN_ETYPE, "claim");
        for (int j = 0; j < 5; j++) {
            if (strlen(names[j]) == klen && memcmp(names[j], k, klen) == 0)
                which = j;
        }
        if (which < 0) {
            char name[CTL_NAME_BYTES];
            short_cstr((proto_str){ k, klen }, name);
            snprintf(field, sizeof(field), "claim.%s", name);
            return fail_msg(c, RN_EUNKNOWNFIELD, field,
                            "claim keys are spec, issuer_key (or issuer_key_id), issued_at, "
                            "credential");
        }
        snprintf(field, sizeof(field), "claim.%s", names[which]);
        if ((seen & (1u << which)) != 0)
            return fail(c, RN_EFIELDORDER, field);
        seen |= 1u << which;
        const uint8_t *p;
        uint32_t len;
        switch (which) {
        case 0:
            if (mp_read_str(&cur, &p, &len) < 0)
                return fail(c, RN_ETYPE, field);
            q->spec_id = (proto_str){ p, len };
            break;
        case 1:
            RN_TRY(key_from(c, cur, "claim.issuer_key", issuer));
            if (mp_skip(&cur) < 0)
                return fail(c, RN_ETYPE, field);
            q->issuer_key = issuer;
            break;
        case 4:
            if ((seen & 2u) != 0)
                return fail(c, RN_EFIELDORDER, field);
            if (mp_peek(&cur) != MP_BIN)
                return fail(c, RN_ETYPE, field);
            if (mp_read_bin(&cur, &p, &len) < 0 || len != PROTO_DIGEST_BYTES)
                return fail(c, RN_ELEN, field);
            memcpy(issuer, p, PROTO_DIGEST_BYTES);
            q->issuer_key = issuer; /* verify looks in issuer_keys_ext by id as well */
            seen |= 2u;             /* one of issuer_key, issuer_key_id */
            break;
        case 2:
            if (mp_read_uint(&cur, &q->issued_at_ms) < 0)
                return fail(c, RN_ETYPE, field);
            if (q->issued_at_ms > RN_TIME_MS_MAX)
                return fail(c, RN_ETIME, field);
            break;
        default:
            if (mp_peek(&cur) != MP_BIN)
                return fail(c, RN_ETYPE, field);
            if (mp_read_bin_exact(&cur, &p, PROTO_DIGEST_BYTES) < 0)
                return fail(c, RN_ELEN, field);
            q->credential = p;
            break;
        }
    }
    for (int j = 0; j < 4; j++) {
        if ((seen & (1u << j)) == 0) {
            snprintf(field, sizeof(field), "claim.%s", names[j]);
            return fail(c, RN_EMISSING, field);
        }
    }
    return 0;
}

static const code_field verify_fields[] = {
    { RN_ELEN, "claim.spec" },  { RN_EID, "claim.spec" }, { RN_ENOTFOUND, "claim.spec" },
    { RN_ECOUNTRY, "country" }, { RN_EENUM, "purpose" },  { 0, NULL },
};

static int m_verify(ctl *c, mp_buf *out)
{
    query_claim q;
    uint8_t issuer[PROTO_KEY_BYTES];
    const char *cc;
    uint32_t purpose;
    uint64_t at;
    query_verification v;
    RN_TRY(parse_claim(c, &q, issuer));
    RN_TRY(arg_country(c, 1, &cc));
    RN_TRY(arg_purpose(c, 2, &purpose));
    RN_TRY(arg_time(c, 3, &at));
    uint64_t valid;
    RN_TRY(arg_valid_at(c, 4, at, &valid));
    size_t bundle_at = out->len;
    int rc = query_verify_valid(&c->r, &q, cc, purpose, at, valid, &v, out);
    if (rc == RN_ENOTFOUND)
        return fail_spec_absent(c, q.spec_id, at, "claim.spec");
    if (rc < 0)
        return fail_query(c, rc, verify_fields, "no such spec, or no provider of it, as of at");
    if (c->opt.witnessed > 0 && mp_buf_err(out) == 0)
        RN_TRY(witness_bundle(c, out, bundle_at));
    size_t bundle_len = out->len - bundle_at;
    mp_put_map(out, 15);
    mp_put_cstr(out, "valid");
    mp_put_bool(out, v.valid);
    mp_put_cstr(out, "spec_ok");
    mp_put_bool(out, v.spec_ok);
    mp_put_cstr(out, "issuer_ok");
    mp_put_bool(out, v.issuer_ok);
    mp_put_cstr(out, "spec_reason");
    put_name_or_nil(out, query_spec_reason_name(v.spec_reason));
    mp_put_cstr(out, "issuer_reason");
    put_name_or_nil(out, query_issuer_reason_name(v.issuer_reason));
    mp_put_cstr(out, "spec_at_issue");
    put_ref(out, &v.spec_at_issue);
    mp_put_cstr(out, "issuer_provider");
    put_ref(out, &v.issuer_provider);
    mp_put_cstr(out, "issuer_provider_id");
    mp_put_cstr(out, v.issuer_provider_id);
    mp_put_cstr(out, "revoked");
    mp_put_bool(out, v.revoked);
    mp_put_cstr(out, "revocation");
    put_ref(out, &v.revocation);
    /* When a record the checks rest on was registered after the issue date (14.4). */
    mp_put_cstr(out, "registered_retroactively");
    mp_put_map(out, 2);
    mp_put_cstr(out, "spec_registered");
    if (v.spec_retroactive)
        mp_put_uint(out, v.spec_registered_ms);
    else
        mp_put_nil(out);
    mp_put_cstr(out, "issuer_key_registered");
    if (v.key_retroactive)
        mp_put_uint(out, v.key_registered_ms);
    else
        mp_put_nil(out);
    mp_put_cstr(out, "recognition");
    mp_put_map(out, RECOGNITION_FIELDS);
    put_recognition_fields(out, &v.recognition);
    mp_put_cstr(out, "at");
    mp_put_uint(out, at);
    mp_put_cstr(out, "valid_at");
    mp_put_uint(out, valid);
    mp_put_cstr(out, "proof");
    mp_put_bin_header(out, bundle_len);
    if (mp_buf_err(out) != 0)
        return 0; /* node_control answers the overflow */
    bundle_last(out, bundle_at, bundle_len);
    return 0;
}

static const char *const stack_status_names[] = {
    [QUERY_STACK_MANDATORY] = "mandatory",
    [QUERY_STACK_ELIGIBLE] = "eligible",
    [QUERY_STACK_RULE] = "rule",
    [QUERY_STACK_UNKNOWN] = "unknown",
    [QUERY_STACK_NOT_ELIGIBLE] = "not_eligible",
    [QUERY_STACK_WITHDRAWN] = "withdrawn",
};

static const char *stack_status_name(uint32_t s)
{
    if (s >= sizeof(stack_status_names) / sizeof(stack_status_names[0]))
        return NULL;
    return stack_status_names[s];
}

static int m_stack(ctl *c, mp_buf *out)
{
    const char *cc;
    proto_str pathway;
    proto_str ids[RN_STACK_SPECS_MAX];
    uint32_t n;
    uint64_t at;
    query_stack_result *res;
    RN_TRY(arg_country(c, 0, &cc));
    RN_TRY(arg_str(c, 1, &pathway));
    mp_cur cur = c->req.params[2];
    if (mp_read_array(&cur, &n) < 0)
        return fail(c, RN_ETYPE, pname(c, 2));
    if (n > RN_STACK_SPECS_MAX)
        return fail_msg(c, RN_ECOUNT, pname(c, 2), "at most 64 spec ids");
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *p;
        uint32_t len;
        if (mp_read_str(&cur, &p, &len) < 0) {
            fail(c, RN_ETYPE, pname(c, 2));
            c->err.has_index = true;
            c->err.index = i;
            return RN_ETYPE;
        }
        ids[i] = (proto_str){ p, len };
    }
    RN_TRY(arg_time(c, 3, &at));
    uint64_t valid;
    RN_TRY(arg_valid_at(c, 4, at, &valid));
    res = malloc(sizeof(*res));
    if (res == NULL)
        return fail(c, RN_ENOMEM, NULL);
    int rc;
    rc = query_stack_valid(&c->r, cc, pathway, ids, n, at, valid, res);
    if (rc < 0) {
        static const code_field stack_fields[] = {
            { RN_ECOUNTRY, "country" }, { RN_ENOTFOUND, "pathway" }, { RN_EPREFIX, "pathway" },
            { RN_ELEN, "specs" },       { RN_EID, "specs" },         { 0, NULL },
        };
        rc = fail_query(c, rc, stack_fields, "no such pathway as of at");
        goto out;
    }
    mp_put_map(out, 10);
    mp_put_cstr(out, "pathway");
    put_ref(out, &res->pathway);
    mp_put_cstr(out, "active");
    mp_put_bool(out, res->active);
    mp_put_cstr(out, "forked");
    mp_put_bool(out, res->forked);
    mp_put_cstr(out, "ects_min_centi");
    mp_put_uint(out, res->ects_min_centi);
    mp_put_cstr(out, "total_ects_centi");
    mp_put_uint(out, res->total_ects_centi);
    mp_put_cstr(out, "items");
    mp_put_array(out, res->items_n);
    for (uint32_t i = 0; i < res->items_n; i++) {
        const query_stack_item *it = &res->items[i];
        mp_put_map(out, 5);
        mp_put_cstr(out, "spec_id");
        mp_put_cstr(out, it->spec_id);
        mp_put_cstr(out, "status");
        put_name_or_nil(out, stack_status_name(it->status));
        mp_put_cstr(out, "counted");
        mp_put_bool(out, it->counted);
        mp_put_cstr(out, "duplicate");
        mp_put_bool(out, it->duplicate);
        mp_put_cstr(out, "ects_centi");
        mp_put_uint(out, it->ects_centi);
    }
    mp_put_cstr(out, "missing");
    mp_put_array(out, res->missing_n);
    for (uint32_t i = 0; i < res->missing_n; i++)
        mp_put_cstr(out, res->missing[i]);
    mp_put_cstr(out, "complete");
    mp_put_bool(out, res->complete);
    mp_put_cstr(out, "at");
    mp_put_uint(out, at);
    mp_put_cstr(out, "valid_at");
    mp_put_uint(out, valid);
out:
    free(res);
    return rc;
}

/* ---- The governed roster, live (PROTOCOL.md 11.11, 12.3) ---- */

static void put_quorum(mp_buf *out, uint64_t q)
{
    if (q == PROTO_QUORUM_MAJORITY)
        mp_put_cstr(out, "majority");
    else
        mp_put_uint(out, q);
}

static void put_key_text(mp_buf *out, const uint8_t key[PROTO_KEY_BYTES])
{
    char kt[PROTO_KEY_TEXT_LEN + 1];
    proto_key_text_format(key, kt);
    mp_put_cstr(out, kt);
}

static const char *rc_end_name(proto_rc_end e)
{
    switch (e) {
    case PROTO_RC_END_NONE:
        return "in_force";
    case PROTO_RC_END_REMOVED:
        return "removed";
    case PROTO_RC_END_SET:
        return "set";
    case PROTO_RC_END_ROTATED:
        return "rotated";
    case PROTO_RC_END_COMPROMISED:
        return "compromised";
    default:
        return "?";
    }
}

/* One op as a map: {op, key, new_key, role, country, last_seq, last_id, quorum} as it has them. */
static void put_rc_op(mp_buf *out, const proto_rc_op *o)
{
    bool rot = o->type == PROTO_RC_ROTATE || o->type == PROTO_RC_ROTATE_COMPROMISED;
    bool comp = o->type == PROTO_RC_ROTATE_COMPROMISED;
    bool rc = o->type == PROTO_RC_ADD || o->type == PROTO_RC_SET;
    if (o->type == PROTO_RC_QUORUM) {
        mp_put_map(out, 2);
        mp_put_cstr(out, "op");
        mp_put_cstr(out, proto_rc_op_name((int)o->type));
        mp_put_cstr(out, "quorum");
        put_quorum(out, o->quorum);
        return;
    }
    mp_put_map(out, 2u + (rot ? 1u : 0u) + (rc ? 2u : 0u) + (comp ? 2u : 0u));
    mp_put_cstr(out, "op");
    mp_put_cstr(out, proto_rc_op_name((int)o->type));
    mp_put_cstr(out, "key");
    put_key_text(out, o->key);
    if (rot) {
        mp_put_cstr(out, "new_key");
        put_key_text(out, o->new_key);
    }
    if (rc) {
        mp_put_cstr(out, "role");
        mp_put_cstr(out, proto_role_name((int)o->role));
        mp_put_cstr(out, "country");
        mp_put_cstr(out, o->country);
    }
    if (comp) {
        mp_put_cstr(out, "last_seq");
        mp_put_uint(out, o->last_seq);
        mp_put_cstr(out, "last_id");
        if (o->last_seq > 0)
            mp_put_bin(out, o->last_id, PROTO_ID_BYTES);
        else
            mp_put_nil(out);
    }
}

/* roster.show [history, version]: the chain as the node holds it. */
static int m_roster_show(ctl *c, mp_buf *out)
{
    const proto_rosterchain *ch = node_roster_chain(c->n);
    uint64_t history = 0, version = 0;
    proto_str doc = { NULL, 0 };
    if (ch == NULL)
        return fail_msg(c, RN_ENOTFOUND, NULL,
                        "this node has no governed roster ([node] roster_chain)");
    RN_TRY(arg_uint_or(c, 0, 0, &history));
    RN_TRY(arg_uint_or(c, 1, 0, &version));
    uint8_t *held = NULL; /* a document from the replica (store_chain_document) */
    if (version != 0 && node_roster_document(c->n, version, &doc) != 0) {
        size_t hl = 0;
        int hr = store_chain_document(c->s, version, &held, &hl);
        if (hr == RN_ENOTFOUND)
            return fail_msg(c, RN_ENOTFOUND, pname(c, 1), "no such version in the chain");
        if (hr < 0)
            return fail(c, hr, pname(c, 1));
        doc = (proto_str){ held, (uint32_t)hl };
    }
    node_rc_pending *pend = calloc(RN_ROSTER_PENDING_MAX, sizeof(*pend));
    if (pend == NULL) {
        free(held);
        return fail(c, RN_ENOMEM, NULL);
    }
    size_t pn = node_roster_pending(c->n, pend, RN_ROSTER_PENDING_MAX);
    if (pn > RN_ROSTER_PENDING_MAX)
        pn = RN_ROSTER_PENDING_MAX;
    uint64_t v = proto_rosterchain_version(ch);
    const proto_rc_version *last = &ch->versions[v - 1];
    size_t auth = 0;
    for (size_t i = 0; i < ch->current.count; i++)
        auth += ch->current.members[i].role == PROTO_ROLE_AUTHORITY;

    mp_put_map(out, 8u + (history != 0 ? 2u : 0u) + (version != 0 ? 1u : 0u));
    mp_put_cstr(out, "federation");
    mp_put_cstr(out, ch->federation);
    mp_put_cstr(out, "federation_id");
    mp_put_bin(out, ch->versions[0].hash, PROTO_ID_BYTES);
    mp_put_cstr(out, "version");
    mp_put_uint(out, v);
    mp_put_cstr(out, "issued_at");
    mp_put_uint(out, last->issued_at);
    mp_put_cstr(out, "quorum");
    put_quorum(out, last->quorum);
    mp_put_cstr(out, "signatures_needed");
    mp_put_uint(out, proto_rosterchain_quorum_need(last->quorum, auth));
    mp_put_cstr(out, "members");
    mp_put_array(out, (uint32_t)ch->current.count);
    for (size_t i = 0; i < ch->current.count; i++) {
        const proto_member *m = &ch->current.members[i];
        mp_put_map(out, 3);
        mp_put_cstr(out, "key");
        put_key_text(out, m->key);
        mp_put_cstr(out, "country");
        mp_put_cstr(out, m->country);
        mp_put_cstr(out, "role");
        put_name_or_nil(out, proto_role_name((int)m->role));
    }
    mp_put_cstr(out, "pending");
    mp_put_array(out, (uint32_t)pn);
    for (size_t i = 0; i < pn; i++) {
        const node_rc_pending *p = &pend[i];
        const proto_rc_change *chg = p->change;
        mp_put_map(out, 8);
        mp_put_cstr(out, "hash");
        mp_put_bin(out, p->hash, PROTO_ID_BYTES);
        mp_put_cstr(out, "version");
        mp_put_uint(out, chg->version);
        mp_put_cstr(out, "issued_at");
        mp_put_uint(out, chg->issued_at);
        mp_put_cstr(out, "ops");
        mp_put_array(out, chg->ops_n);
        for (uint32_t k = 0; k < chg->ops_n; k++)
            put_rc_op(out, &chg->ops[k]);
        mp_put_cstr(out, "signers");
        mp_put_array(out, chg->sigs_n);
        for (uint32_t k = 0; k < chg->sigs_n; k++)
            put_key_text(out, chg->sigs[k].key);
        mp_put_cstr(out, "signatures");
        mp_put_uint(out, p->valid);
        /* How many more: 0 when only a later version waits, or the old key of a planned
         * rotation (rotation_unsigned). */
        mp_put_cstr(out, "more_needed");
        mp_put_uint(out, chg->version == v + 1 && p->need > p->valid ? p->need - p->valid : 0);
        mp_put_cstr(out, "rotation_unsigned");
        mp_put_bool(out, p->rotation_unsigned);
    }
    free(pend);
    if (history != 0) {
        mp_put_cstr(out, "versions");
        mp_put_array(out, (uint32_t)v);
        for (uint64_t i = 0; i < v; i++) {
            const proto_rc_version *pv = &ch->versions[i];
            mp_put_map(out, 5);
            mp_put_cstr(out, "version");
            mp_put_uint(out, i + 1);
            mp_put_cstr(out, "hash");
            mp_put_bin(out, pv->hash, PROTO_ID_BYTES);
            mp_put_cstr(out, "issued_at");
            mp_put_uint(out, pv->issued_at);
            mp_put_cstr(out, "quorum");
            put_quorum(out, pv->quorum);
            mp_put_cstr(out, "signers");
            mp_put_uint(out, pv->signers);
        }
        mp_put_cstr(out, "keys");
        mp_put_array(out, (uint32_t)ch->periods_n);
        for (size_t i = 0; i < ch->periods_n; i++) {
            const proto_rc_period *p = &ch->periods[i];
            bool rot = p->end == PROTO_RC_END_ROTATED || p->end == PROTO_RC_END_COMPROMISED;
            bool comp = p->end == PROTO_RC_END_COMPROMISED;
            mp_put_map(out, 6u + (rot ? 1u : 0u) + (comp ? 2u : 0u));
            mp_put_cstr(out, "key");
            put_key_text(out, p->key);
            mp_put_cstr(out, "role");
            mp_put_cstr(out, proto_role_name((int)p->role));
            mp_put_cstr(out, "country");
            mp_put_cstr(out, p->country);
            mp_put_cstr(out, "from");
            mp_put_uint(out, p->from);
            mp_put_cstr(out, "until");
            put_uint_or_nil(out, p->until != 0, p->until);
            mp_put_cstr(out, "end");
            mp_put_cstr(out, rc_end_name(p->end));
            if (rot) {
                mp_put_cstr(out, "next");
                put_key_text(out, p->next);
            }
            if (comp) {
                mp_put_cstr(out, "last_seq");
                mp_put_uint(out, p->last_seq);
                mp_put_cstr(out, "last_id");
                if (p->last_seq > 0)
                    mp_put_bin(out, p->last_id, PROTO_ID_BYTES);
                else
                    mp_put_nil(out);
            }
        }
    }
    if (version != 0) {
        mp_put_cstr(out, "document");
        mp_put_bin(out, doc.ptr, doc.len);
    }
    free(held);
    return 0;
}

/* A key in an op map: bin 32 or rn1:... text. */
static int op_key(ctl *c, mp_cur *cur, const char *field, uint8_t key[PROTO_KEY_BYTES])
{
    mp_cur at = *cur;
    RN_TRY(key_from(c, at, field, key));
    if (mp_skip(cur) < 0)
        return fail(c, RN_ETYPE, field);
    return 0;
}

/* One op of roster.propose: a map with "op" and the fields of its type (PROTOCOL.md 12.3). The
 * index of the op goes into the error. */
static int parse_rc_op(ctl *c, mp_cur *cur, uint32_t index, proto_rc_op *o)
{
    static const char *const names[] = { "op",      "key",      "new_key", "role",
                                         "country", "last_seq", "last_id", "quorum" };
    enum { F_OP, F_KEY, F_NEW_KEY, F_ROLE, F_COUNTRY, F_LAST_SEQ, F_LAST_ID, F_QUORUM, F_N };
    uint32_t n, seen = 0;
    char field[CTL_FIELD_BYTES], name[CTL_NAME_BYTES];
    int rc;
    memset(o, 0, sizeof(*o));
    if (mp_read_map(cur, &n) < 0) {
        rc = fail_msg(c, RN_ETYPE, "ops", "each op is a map {op, key, ...}");
        goto at;
    }
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *k;
        uint32_t klen;
        int which = -1;
        if (mp_read_str(cur, &k, &klen) < 0) {
            rc = fail(c, RN_ETYPE, "ops");
            goto at;
        }
        for (int j = 0; j < F_N; j++)
            if (strlen(names[j]) == klen && memcmp(names[j], k, klen) == 0)
                which = j;
        if (which < 0) {
            short_cstr((proto_str){ k, klen }, name);
            snprintf(field, sizeof(field), "ops.%s", name);
            rc = fail_msg(c, RN_EUNKNOWNFIELD, field,
                          "op keys are op, key, new_key, role, country, last_seq, last_id, quorum");
            goto at;
        }
        snprintf(field, sizeof(field), "ops.%s", names[which]);
        if (seen & (1u << which)) {
            rc = fail(c, RN_EFIELDORDER, field);
            goto at;
        }
        seen |= 1u << which;
        const uint8_t *s;
        uint32_t slen;
        uint64_t u;
        switch (which) {
        case F_OP:
            if (mp_read_str(cur, &s, &slen) < 0) {
                rc = fail(c, RN_ETYPE, field);
                goto at;
            }
            short_cstr((proto_str){ s, slen }, name);
            for (int t = PROTO_RC_ADD; t <= PROTO_RC_QUORUM; t++)
                if (strcmp(name, proto_rc_op_name(t)) == 0)
                    o->type = (proto_rc_optype)t;
            if (o->type == 0) {
                rc = fail_msg(c, RN_EENUM, field,
                              "expected add, remove, set, rotate, rotate-compromised or quorum");
                goto at;
            }
            break;
        case F_KEY:
            if ((rc = op_key(c, cur, field, o->key)) < 0)
                goto at;
            break;
        case F_NEW_KEY:
            if ((rc = op_key(c, cur, field, o->new_key)) < 0)
                goto at;
            break;
        case F_ROLE:
            if (mp_read_str(cur, &s, &slen) < 0) {
                rc = fail(c, RN_ETYPE, field);
                goto at;
            }
            short_cstr((proto_str){ s, slen }, name);
            if (strcmp(name, "authority") == 0) {
                o->role = PROTO_ROLE_AUTHORITY;
            } else if (strcmp(name, "mirror") == 0) {
                o->role = PROTO_ROLE_MIRROR;
            } else {
                rc = fail_msg(c, RN_EENUM, field, "expected authority or mirror");
                goto at;
            }
            break;
        case F_COUNTRY: {
            if (mp_read_str(cur, &s, &slen) < 0) {
                rc = fail(c, RN_ETYPE, field);
                goto at;
            }
            const proto_country *pc = slen == 0 ? NULL : proto_country_find((const char *)s, slen);
            if (slen != 0 && pc == NULL) {
                rc = fail(c, RN_ECOUNTRY, field);
                goto at;
            }
            if (pc != NULL)
                memcpy(o->country, pc->alpha2, 3);
            break;
        }
        case F_LAST_SEQ:
            if (mp_read_uint(cur, &u) < 0 || u > RN_SEQ_MAX) {
                rc = fail(c, u > RN_SEQ_MAX ? RN_ESEQ : RN_ETYPE, field);
                goto at;
            }
            o->last_seq = u;
            break;
        case F_LAST_ID:
            if (mp_read_bin_exact(cur, &s, PROTO_ID_BYTES) < 0) {
                rc = fail(c, RN_EID, field);
                goto at;
            }
            memcpy(o->last_id, s, PROTO_ID_BYTES);
            break;
        case F_QUORUM:
            if (mp_peek(cur) == MP_STR) {
                if (mp_read_str(cur, &s, &slen) < 0 || slen != 8 || memcmp(s, "majority", 8) != 0) {
                    rc = fail_msg(c, RN_ECOUNT, field, "expected majority or 1 to 30");
                    goto at;
                }
                o->quorum = PROTO_QUORUM_MAJORITY;
            } else if (mp_read_uint(cur, &u) < 0 || u > RN_ROSTERCHAIN_SIGS_MAX) {
                rc = fail_msg(c, RN_ECOUNT, field, "expected majority (0) or 1 to 30");
                goto at;
            } else {
                o->quorum = u;
            }
            break;
        default:
            RN_ASSERT(0);
        }
    }
    /* What each type needs. */
    uint32_t need = 1u << F_OP;
    switch (o->type) {
    case PROTO_RC_ADD:
    case PROTO_RC_SET:
        need |= (1u << F_KEY) | (1u << F_ROLE);
        break;
    case PROTO_RC_REMOVE:
        need |= 1u << F_KEY;
        break;
    case PROTO_RC_ROTATE:
        need |= (1u << F_KEY) | (1u << F_NEW_KEY);
        break;
    case PROTO_RC_ROTATE_COMPROMISED:
        need |= (1u << F_KEY) | (1u << F_NEW_KEY) | (1u << F_LAST_SEQ);
        if (o->last_seq > 0)
            need |= 1u << F_LAST_ID;
        break;
    case PROTO_RC_QUORUM:
        need |= 1u << F_QUORUM;
        break;
    default:
        break;
    }
    for (int j = 0; j < F_N; j++)
        if ((need & (1u << j)) && !(seen & (1u << j))) {
            snprintf(field, sizeof(field), "ops.%s", names[j]);
            rc = fail(c, RN_EMISSING, field);
            goto at;
        }
    if (o->type == PROTO_RC_ROTATE_COMPROMISED && o->last_seq == 0 && (seen & (1u << F_LAST_ID))) {
        rc = fail_msg(c, RN_EINCONSISTENT, "ops.last_id", "no id when last_seq is 0");
        goto at;
    }
    return 0;
at:
    c->err.has_index = true;
    c->err.index = index;
    return rc;
}

static void put_rc_result(mp_buf *out, const node_rc_result *r)
{
    mp_put_map(out, 7);
    mp_put_cstr(out, "hash");
    mp_put_bin(out, r->hash, PROTO_ID_BYTES);
    mp_put_cstr(out, "version");
    mp_put_uint(out, r->version);
    mp_put_cstr(out, "seq");
    mp_put_uint(out, r->seq);
    mp_put_cstr(out, "id");
    mp_put_bin(out, r->id, PROTO_ID_BYTES);
    mp_put_cstr(out, "signatures");
    mp_put_uint(out, r->valid);
    mp_put_cstr(out, "signatures_needed");
    mp_put_uint(out, r->need);
    mp_put_cstr(out, "applied");
    mp_put_bool(out, r->applied);
}

/* A roster write refused: the diagnostic, with the two messages a proposer most needs. */
static int fail_rc(ctl *c, int rc, const rn_diag *d)
{
    fail_diag(c, rc, d);
    if (rc == RN_ESUPERSEDED)
        snprintf(c->err.message, sizeof(c->err.message),
                 "%s: this node's key was rotated away or removed; point [node] key_file at the "
                 "new key and send SIGHUP",
                 rn_strerror(rc));
    else if (rc == RN_EDUPLICATE && d->field != NULL && strncmp(d->field, "ops.", 4) == 0)
        snprintf(c->err.message, sizeof(c->err.message),
                 "%s: keys are single-use, and one op per key in a change", rn_strerror(rc));
    return rc;
}

/* roster.propose [ops, issued_at]. */
static int m_roster_propose(ctl *c, mp_buf *out)
{
    mp_cur cur = c->req.params[0];
    uint32_t n;
    uint64_t at;
    node_rc_result res;
    rn_diag d;
    memset(&d, 0, sizeof(d));
    RN_TRY(arg_uint_or(c, 1, 0, &at));
    if (at > RN_TIME_MS_MAX)
        return fail(c, RN_ETIME, pname(c, 1));
    if (mp_read_array(&cur, &n) < 0)
        return fail(c, RN_ETYPE, "ops");
    if (n == 0 || n > RN_ROSTERCHAIN_OPS_MAX)
        return fail_msg(c, RN_ECOUNT, "ops", "a change has 1 to 64 ops");
    proto_rc_change *chg = calloc(1, sizeof(*chg));
    if (chg == NULL)
        return fail(c, RN_ENOMEM, NULL);
    int rc = 0;
    for (uint32_t i = 0; i < n && rc == 0; i++)
        rc = parse_rc_op(c, &cur, i, &chg->ops[i]);
    chg->ops_n = n;
    if (rc == 0) {
        rc = node_roster_propose(c->n, chg, at, c->now_ms, &res, &d);
        if (rc < 0)
            rc = fail_rc(c, rc, &d);
        else
            put_rc_result(out, &res);
    }
    free(chg);
    return rc;
}

/* roster.approve [change]: a change document, or the 32-byte hash of a pending body. */
static int m_roster_approve(ctl *c, mp_buf *out)
{
    proto_str b;
    node_rc_result res;
    rn_diag d;
    memset(&d, 0, sizeof(d));
    RN_TRY(arg_bin(c, 0, &b));
    int rc = node_roster_approve(c->n, b.ptr, b.len, c->now_ms, &res, &d);
    if (rc == RN_ENOTFOUND && b.len == PROTO_ID_BYTES)
        return fail_msg(c, rc, "change", "no pending change has this hash on this node");
    if (rc < 0)
        return fail_rc(c, rc, &d);
    put_rc_result(out, &res);
    return 0;
}

/* ---- Dispatch ---- */

/* The handler of each row of the method table (proto/ctl.h). */
static const method_fn handlers[CTL_M_COUNT] = {
    [CTL_M_STATUS] = m_status,
    [CTL_M_CHECK] = m_check,
    [CTL_M_PEERS] = m_peers,
    [CTL_M_HEADS] = m_heads,
    [CTL_M_LOG] = m_log,
    [CTL_M_ENTRY] = m_entry,
    [CTL_M_FORK] = m_fork,
    [CTL_M_RECORD] = m_record,
    [CTL_M_ROSTER] = m_roster,
    [CTL_M_PUBLISH] = m_publish,
    [CTL_M_PROVIDER_PUBLISH] = m_publish,
    [CTL_M_SPEC_PUBLISH] = m_publish,
    [CTL_M_DECISION_PUBLISH] = m_publish,
    [CTL_M_POLICY_PUBLISH] = m_publish,
    [CTL_M_PATHWAY_PUBLISH] = m_publish,
    [CTL_M_REVOCATION_PUBLISH] = m_publish,
    [CTL_M_RECOGNISE] = m_recognise,
    [CTL_M_SEARCH] = m_search,
    [CTL_M_VERIFY] = m_verify,
    [CTL_M_STACK] = m_stack,
    [CTL_M_MATRIX] = m_matrix,
    [CTL_M_REPORT] = m_report,
    [CTL_M_PUBLISH_BATCH] = m_publish_batch,
    [CTL_M_STATUS_LIST] = m_status_list,
    [CTL_M_ROSTER_SHOW] = m_roster_show,
    [CTL_M_ROSTER_PROPOSE] = m_roster_propose,
    [CTL_M_ROSTER_APPROVE] = m_roster_approve,
    [CTL_M_CHECKPOINT_GET] = m_checkpoint_get,
};

/*
 * Runs the method of a decoded request. This is the one place where a request's read
 * transaction is opened and ended: a method whose row says CTL_READS finds it open in c->r, for
 * the whole of its run, and never opens another.
 */
static int dispatch(ctl *c, mp_buf *out)
{
    const ctl_method *m = c->req.m;
    method_fn fn = handlers[m->id];
    RN_ASSERT(fn != NULL);
    if ((m->flags & CTL_WRITES) != 0 && node_self(c->n)->role != PROTO_ROLE_AUTHORITY)
        return fail_msg(c, RN_EROLE, NULL, "this node is a mirror: it publishes nothing");
    RN_TRY(ctl_options_get(&c->req, &c->opt, &c->err));
    if ((m->flags & CTL_READS) == 0)
        return fn(c, out);
    /* status says whether entries were waiting for the index pass, which the read runs. */
    c->index_pending = c->s->index_pending;
    int rc = store_query_begin(c->s, &c->r);
    if (rc < 0)
        return fail(c, rc, NULL);
    rc = fn(c, out);
    store_read_end(&c->r);
    return rc;
}

int node_control(node *n, const uint8_t *req, size_t len, mp_buf *resp, uint64_t now_ms)
{
    /* Small enough for the stack: the state of one request, without allocating. */
    ctl c;
    size_t start = resp->len;
    int start_err = resp->err;
    int rc;

    memset(&c.err, 0, sizeof(c.err));
    memset(&c.opt, 0, sizeof(c.opt));
    c.n = n;
    c.s = node_store(n);
    c.now_ms = now_ms;
    c.index_pending = false;

    rc = ctl_request_decode(&c.req, req, len, &c.err);
    bool overflow = false; /* the result did not fit in resp->max */
    if (rc == 0) {
        ctl_response_begin(resp, c.req.msgid);
        size_t result_at = resp->len;
        rc = dispatch(&c, resp);
        if (rc == 0 && mp_buf_err(resp) == 0 && c.opt.sign)
            rc = sign_result(&c, resp, result_at);
        if (rc == 0 && mp_buf_err(resp) != 0) {
            overflow = mp_buf_err(resp) == RN_ETOOBIG;
            rc = overflow
                     ? fail_msg(&c, RN_ETOOBIG, NULL, "the result does not fit in one response")
                     : fail(&c, mp_buf_err(resp), NULL);
        }
        if (rc < 0 && c.err.code == 0)
            fail(&c, rc, NULL);
    }
    if (rc < 0) {
        /* Replace whatever the handler wrote with the error response. */
        resp->len = start;
        resp->err = start_err;
        ctl_response_error(resp, c.req.msgid, &c.err);
        if (mp_buf_err(resp) != 0) {
            resp->len = start;
            resp->err = start_err;
            return RN_ETOOBIG;
        }
    }
    return overflow ? RN_ETOOBIG : 0;
}
