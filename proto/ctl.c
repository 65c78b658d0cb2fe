/*
 * ctl.c: the control API's method table and codec (ctl.h; PROTOCOL.md section 12).
 *
 * The table is the one list of methods: node/control.c pairs each row with its handler by id,
 * recnetctl names methods by the table's constants, and a second transport maps its routes to
 * rows. The request decoder runs on every control request (many small recognise requests a
 * second), so it finds a method by its length and first byte before comparing names, and never
 * allocates; the response decoder serves recnetctl, the driver's debug log, the benchmarks and
 * the fuzz harness.
 */
#include "ctl.h"

#include <stdio.h>
#include <string.h>

#include "limits.h"

#define P(n, t)                                                                                    \
    {                                                                                              \
        n, CTL_T_##t, CTL_T_NONE, false                                                            \
    }
#define OPT(n, t)                                                                                  \
    {                                                                                              \
        n, CTL_T_##t, CTL_T_NONE, true                                                             \
    }
#define ARRAY_OF(n, t)                                                                             \
    {                                                                                              \
        n, CTL_T_ARRAY, CTL_T_##t, false                                                           \
    }
/* The request options of a query method (ctl.h, CTL_OPTIONS_PARAM): always its last. */
#define OPTIONS OPT(CTL_OPTIONS_PARAM, MAP)
#define NOPARAMS                                                                                   \
    {                                                                                              \
        {                                                                                          \
            NULL, CTL_T_NONE, CTL_T_NONE, false                                                    \
        }                                                                                          \
    }
#define PUBLISH_ALIAS(ID, k)                                                                       \
    [CTL_M_##ID] = { CTL_##ID, CTL_M_##ID, CTL_WRITES, k, { P("body", BIN) } }

/* PROTOCOL.md section 12.2 documents each row. */
static const ctl_method methods[CTL_M_COUNT] = {
    [CTL_M_STATUS] = { CTL_STATUS, CTL_M_STATUS, CTL_READS, 0, NOPARAMS },
    /* check runs its own pass over the whole replica (store_check). */
    [CTL_M_CHECK] = { CTL_CHECK, CTL_M_CHECK, 0, 0, NOPARAMS },
    [CTL_M_PEERS] = { CTL_PEERS, CTL_M_PEERS, 0, 0, NOPARAMS },
    [CTL_M_HEADS] = { CTL_HEADS, CTL_M_HEADS, CTL_READS | CTL_PUBLIC, 0, { OPTIONS } },
    [CTL_M_LOG] = { CTL_LOG,
                    CTL_M_LOG,
                    CTL_READS,
                    0,
                    { P("author", KEY), P("from_seq", UINT), OPT("max", UINT) } },
    [CTL_M_ENTRY] = { CTL_ENTRY,
                      CTL_M_ENTRY,
                      CTL_READS | CTL_PUBLIC,
                      0,
                      { P("id", BIN), OPTIONS } },
    [CTL_M_FORK] = { CTL_FORK, CTL_M_FORK, CTL_READS | CTL_PUBLIC, 0, { P("author", KEY) } },
    [CTL_M_RECORD] = { CTL_RECORD,
                       CTL_M_RECORD,
                       CTL_READS | CTL_PUBLIC,
                       0,
                       { P("kind", STR), P("id", STR), OPT("at", UINT), OPTIONS } },
    [CTL_M_ROSTER] = { CTL_ROSTER, CTL_M_ROSTER, CTL_PUBLIC, 0, NOPARAMS },
    /* A publish of a spec reads the replica before it writes (its provider must be ours): the
     * handler takes its own snapshot and ends it before the write. */
    [CTL_M_PUBLISH] = { CTL_PUBLISH,
                        CTL_M_PUBLISH,
                        CTL_WRITES,
                        0,
                        { P("kind", STR), P("body", BIN) } },
    PUBLISH_ALIAS(PROVIDER_PUBLISH, PROTO_KIND_PROVIDER),
    PUBLISH_ALIAS(SPEC_PUBLISH, PROTO_KIND_SPEC),
    PUBLISH_ALIAS(DECISION_PUBLISH, PROTO_KIND_DECISION),
    PUBLISH_ALIAS(POLICY_PUBLISH, PROTO_KIND_POLICY),
    PUBLISH_ALIAS(PATHWAY_PUBLISH, PROTO_KIND_PATHWAY),
    PUBLISH_ALIAS(REVOCATION_PUBLISH, PROTO_KIND_REVOCATION),
    [CTL_M_RECOGNISE] = { CTL_RECOGNISE,
                          CTL_M_RECOGNISE,
                          CTL_READS | CTL_PUBLIC,
                          0,
                          { P("spec", STR), P("country", STR), P("purpose", STR), OPT("at", UINT),
                            OPT("valid_at", UINT), OPTIONS } },
    [CTL_M_SEARCH] = { CTL_SEARCH,
                       CTL_M_SEARCH,
                       CTL_READS | CTL_PUBLIC,
                       0,
                       { OPT("filter", MAP), OPT("at", UINT), OPT("after", STR), OPT("limit", UINT),
                         OPT("valid_at", UINT), OPTIONS } },
    [CTL_M_VERIFY] = { CTL_VERIFY,
                       CTL_M_VERIFY,
                       CTL_READS | CTL_PUBLIC,
                       0,
                       { P("claim", MAP), P("country", STR), P("purpose", STR), OPT("at", UINT),
                         OPT("valid_at", UINT), OPTIONS } },
    [CTL_M_STACK] = { CTL_STACK,
                      CTL_M_STACK,
                      CTL_READS | CTL_PUBLIC,
                      0,
                      { P("country", STR), P("pathway", STR), ARRAY_OF("specs", STR),
                        OPT("at", UINT), OPT("valid_at", UINT), OPTIONS } },
    [CTL_M_MATRIX] = { CTL_MATRIX,
                       CTL_M_MATRIX,
                       CTL_READS | CTL_PUBLIC,
                       0,
                       { P("spec", STR), OPT("at", UINT), OPT("valid_at", UINT), OPTIONS } },
    [CTL_M_REPORT] = { CTL_REPORT,
                       CTL_M_REPORT,
                       CTL_READS | CTL_PUBLIC,
                       0,
                       { OPT("at", UINT), OPT("valid_at", UINT), OPTIONS } },
    /* Many records in one write transaction with one fsync (store_append_batch); like publish,
     * it reads the replica (the providers of its specs) in a snapshot of its own first. */
    [CTL_M_PUBLISH_BATCH] = { CTL_PUBLISH_BATCH,
                              CTL_M_PUBLISH_BATCH,
                              CTL_WRITES,
                              0,
                              { ARRAY_OF("kinds", STR), ARRAY_OF("bodies", BIN) } },
    [CTL_M_STATUS_LIST] = { CTL_STATUS_LIST,
                            CTL_M_STATUS_LIST,
                            CTL_READS | CTL_PUBLIC,
                            0,
                            { P("provider", STR), OPT("at", UINT), OPT("url", STR) } },
    /* The governed roster, live (PROTOCOL.md 11.11): the chain as the node holds it, and the two
     * writes that sign a change and publish it as a roster entry (kind 7) of the node's log. */
    [CTL_M_ROSTER_SHOW] = { CTL_ROSTER_SHOW,
                            CTL_M_ROSTER_SHOW,
                            0,
                            0,
                            { OPT("history", UINT), OPT("version", UINT) } },
    [CTL_M_ROSTER_PROPOSE] = { CTL_ROSTER_PROPOSE,
                               CTL_M_ROSTER_PROPOSE,
                               CTL_WRITES,
                               0,
                               { ARRAY_OF("ops", MAP), OPT("issued_at", UINT) } },
    [CTL_M_ROSTER_APPROVE] = { CTL_ROSTER_APPROVE,
                               CTL_M_ROSTER_APPROVE,
                               CTL_WRITES,
                               0,
                               { P("change", BIN) } },
    /* The node's newest checkpoint with its cosignatures (PROTOCOL.md 11.12, 12.3). */
    [CTL_M_CHECKPOINT_GET] = { CTL_CHECKPOINT_GET,
                               CTL_M_CHECKPOINT_GET,
                               CTL_PUBLIC,
                               0,
                               { OPTIONS } },
};

const ctl_method *ctl_method_get(ctl_method_id id)
{
    RN_ASSERT((unsigned)id < CTL_M_COUNT);
    return &methods[id];
}

const ctl_method *ctl_method_find(const uint8_t *name, size_t len)
{
    for (size_t i = 0; i < CTL_M_COUNT; i++) {
        const char *m = methods[i].name;
        if ((uint8_t)m[0] == (len > 0 ? name[0] : 0) && strlen(m) == len &&
            memcmp(m, name, len) == 0)
            return &methods[i];
    }
    return NULL;
}

const ctl_method *ctl_method_publish(proto_kind kind)
{
    for (size_t i = 0; i < CTL_M_COUNT; i++) {
        if (methods[i].kind != 0 && methods[i].kind == kind)
            return &methods[i];
    }
    return NULL;
}

uint32_t ctl_params_max(const ctl_method *m)
{
    uint32_t n = 0;
    while (n < CTL_PARAMS_MAX && m->params[n].name != NULL)
        n++;
    return n;
}

uint32_t ctl_params_min(const ctl_method *m)
{
    uint32_t n = ctl_params_max(m);
    while (n > 0 && m->params[n - 1].optional)
        n--;
    return n;
}

const char *ctl_param_type_text(const ctl_param *p)
{
    switch (p->type) {
    case CTL_T_STR:
        return p->optional ? "a string or nil" : "a string";
    case CTL_T_BIN:
        return p->optional ? "a byte string (bin) or nil" : "a byte string (bin)";
    case CTL_T_UINT:
        return p->optional ? "an unsigned integer or nil" : "an unsigned integer";
    case CTL_T_MAP:
        return p->optional ? "a map or nil" : "a map";
    case CTL_T_ARRAY:
        return p->optional ? "an array or nil" : "an array";
    case CTL_T_KEY:
        return p->optional ? "a key (bin of 32 bytes, or rn1:... text) or nil"
                           : "a key (bin of 32 bytes, or rn1:... text)";
    case CTL_T_NONE:
    default:
        return "?";
    }
}

static bool type_ok(const ctl_param *p, mp_type have)
{
    if (have == MP_NIL)
        return p->optional;
    switch (p->type) {
    case CTL_T_STR:
        return have == MP_STR;
    case CTL_T_BIN:
        return have == MP_BIN;
    case CTL_T_UINT:
        return have == MP_UINT;
    case CTL_T_MAP:
        return have == MP_MAP;
    case CTL_T_ARRAY:
        return have == MP_ARRAY;
    case CTL_T_KEY:
        return have == MP_BIN || have == MP_STR;
    case CTL_T_NONE:
    default:
        RN_ASSERT(0);
        return false;
    }
}

/* ---- Errors ---- */

int ctl_error_set(ctl_error *e, int code, const char *field)
{
    memset(e, 0, sizeof(*e));
    e->code = code;
    snprintf(e->field, sizeof(e->field), "%s", field != NULL ? field : "");
    return code;
}

int ctl_error_msg(ctl_error *e, int code, const char *field, const char *message)
{
    ctl_error_set(e, code, field);
    snprintf(e->message, sizeof(e->message), "%s", message);
    return code;
}

/* ---- Requests ---- */

/* An error whose message is the code's, then a detail. */
static int fail_detail(ctl_error *e, int code, const char *field, const char *detail)
{
    ctl_error_set(e, code, field);
    snprintf(e->message, sizeof(e->message), "%s: %s", rn_strerror(code), detail);
    return code;
}

/* True if every byte is printable ASCII, so that the name can be quoted in a message. */
static bool printable(const uint8_t *s, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        if (s[i] < 0x20 || s[i] > 0x7e)
            return false;
    }
    return true;
}

int ctl_request_decode(ctl_request *r, const uint8_t *buf, size_t len, ctl_error *e)
{
    mp_cur cur;
    uint32_t n;
    uint64_t type, id;
    const uint8_t *name;
    uint32_t name_len;
    char msg[CTL_MESSAGE_BYTES];

    r->msgid = 0;
    r->m = NULL;
    r->params_n = 0;
    r->params_raw = NULL;
    r->params_raw_len = 0;
    if (len > RN_CONTROL_REQUEST_BYTES_MAX)
        return fail_detail(e, RN_ETOOBIG, "request", "requests are at most 1 MiB");
    mp_cur_init(&cur, buf, len);
    int rc = mp_read_array(&cur, &n);
    if (rc < 0)
        return fail_detail(e, rc, "request", "expected [0, msgid, method, params]");
    if (n != 4)
        return fail_detail(e, RN_ECOUNT, "request", "expected [0, msgid, method, params]");
    rc = mp_read_uint(&cur, &type);
    if (rc < 0)
        return ctl_error_set(e, rc, "request.type");
    if (type != 0)
        return fail_detail(e, RN_EINVAL, "request.type", "expected 0 (a request)");
    rc = mp_read_uint(&cur, &id);
    if (rc < 0)
        return ctl_error_set(e, rc, "request.msgid");
    if (id > UINT32_MAX)
        return fail_detail(e, RN_EINVAL, "request.msgid", "msgid is a 32-bit unsigned integer");
    r->msgid = id;
    rc = mp_read_str(&cur, &name, &name_len);
    if (rc < 0)
        return ctl_error_set(e, rc, "request.method");
    r->m = ctl_method_find(name, name_len);
    if (r->m == NULL) {
        if (name_len <= 64 && printable(name, name_len))
            snprintf(msg, sizeof(msg), "unknown method \"%.*s\"", (int)name_len,
                     (const char *)name);
        else
            snprintf(msg, sizeof(msg), "unknown method");
        return ctl_error_msg(e, RN_EINVAL, "request.method", msg);
    }
    const uint8_t *params_at = cur.p;
    rc = mp_read_array(&cur, &n);
    if (rc < 0)
        return ctl_error_set(e, rc, "request.params");
    uint32_t lo = ctl_params_min(r->m), hi = ctl_params_max(r->m);
    if (n < lo || n > hi) {
        if (lo == hi)
            snprintf(msg, sizeof(msg), "%s takes %u parameters, not %u", r->m->name, hi, n);
        else
            snprintf(msg, sizeof(msg), "%s takes %u to %u parameters, not %u", r->m->name, lo, hi,
                     n);
        return ctl_error_msg(e, RN_ECOUNT, "request.params", msg);
    }
    for (uint32_t i = 0; i < n; i++) {
        const ctl_param *p = &r->m->params[i];
        mp_type t = mp_peek(&cur);
        r->params[i] = cur;
        if (t == MP_NONE)
            return ctl_error_set(e, RN_ETRUNCATED, p->name);
        /* A float, a negative integer or an extension is not recnet MessagePack at all
         * (PROTOCOL.md section 1), whatever the parameter's type. */
        if (t == MP_OTHER)
            return ctl_error_set(e, RN_EMALFORMED, p->name);
        if (!type_ok(p, t)) {
            snprintf(msg, sizeof(msg), "%s must be %s", p->name, ctl_param_type_text(p));
            return ctl_error_msg(e, RN_ETYPE, p->name, msg);
        }
        /* A parameter lies at depth 2 (request array, params array): the depth bound counts
         * from the request, as the driver's mp_skip over the whole request does. */
        rc = mp_skip_at(&cur, CTL_PARAM_DEPTH);
        if (rc < 0)
            return ctl_error_set(e, rc, p->name);
    }
    r->params_n = n;
    r->params_raw = params_at;
    r->params_raw_len = (size_t)(cur.p - params_at);
    if (mp_cur_left(&cur) != 0)
        return ctl_error_set(e, RN_ETRAILING, "request");
    return 0;
}

bool ctl_param_nil(const ctl_request *r, uint32_t i)
{
    return i >= r->params_n || mp_peek(&r->params[i]) == MP_NIL;
}

void ctl_request_begin(mp_buf *b, uint32_t msgid, const ctl_method *m, uint32_t params_n)
{
    mp_put_array(b, 4);
    mp_put_uint(b, 0);
    mp_put_uint(b, msgid);
    mp_put_cstr(b, m->name);
    mp_put_array(b, params_n);
}

void ctl_request_wrap(mp_buf *b, uint32_t msgid, const ctl_method *m, const uint8_t *params,
                      size_t params_len)
{
    mp_put_array(b, 4);
    mp_put_uint(b, 0);
    mp_put_uint(b, msgid);
    mp_put_cstr(b, m->name);
    mp_buf_raw(b, params, params_len);
}

/* ---- Responses ---- */

void ctl_response_begin(mp_buf *b, uint64_t msgid)
{
    mp_put_array(b, 4);
    mp_put_uint(b, 1);
    mp_put_uint(b, msgid);
    mp_put_nil(b);
}

void ctl_response_error(mp_buf *b, uint64_t msgid, const ctl_error *e)
{
    mp_put_array(b, 4);
    mp_put_uint(b, 1);
    mp_put_uint(b, msgid);
    mp_put_map(b, 5);
    mp_put_cstr(b, "name");
    mp_put_cstr(b, rn_err_name(e->code));
    mp_put_cstr(b, "message");
    mp_put_cstr(b, e->message[0] != '\0' ? e->message : rn_strerror(e->code));
    mp_put_cstr(b, "field");
    if (e->field[0] != '\0')
        mp_put_cstr(b, e->field);
    else
        mp_put_nil(b);
    mp_put_cstr(b, "index");
    if (e->has_index)
        mp_put_uint(b, e->index);
    else
        mp_put_nil(b);
    /* Last, so that a reader limited to recnet's unsigned subset reads every other key first. */
    mp_put_cstr(b, "code");
    mp_put_int(b, e->code);
    mp_put_nil(b);
}

static bool key_is(const uint8_t *k, uint32_t klen, const char *s, uint32_t slen)
{
    return klen == slen && memcmp(k, s, slen) == 0;
}

/* A str, or nil (then *s = NULL) when `nil_ok`. */
static int read_str_or_nil(mp_cur *c, bool nil_ok, const uint8_t **s, uint32_t *len)
{
    if (nil_ok && mp_peek(c) == MP_NIL) {
        *s = NULL;
        *len = 0;
        return mp_read_nil(c);
    }
    return mp_read_str(c, s, len);
}

/* The error map {name, message, field, index, code}: at depth 1 of the response, its values at
 * depth 2. */
static int read_error_map(mp_cur *c, ctl_response *r)
{
    enum { K_NAME, K_MESSAGE, K_FIELD, K_INDEX, K_CODE };
    uint32_t n, seen = 0;
    RN_TRY(mp_read_map(c, &n));
    /* Every pair takes at least two bytes: refuse impossible counts before looping. */
    if (n > mp_cur_left(c) / 2)
        return RN_ETRUNCATED;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *k;
        uint32_t klen;
        int which = -1;
        RN_TRY(mp_read_str(c, &k, &klen));
        if (key_is(k, klen, "name", 4))
            which = K_NAME;
        else if (key_is(k, klen, "message", 7))
            which = K_MESSAGE;
        else if (key_is(k, klen, "field", 5))
            which = K_FIELD;
        else if (key_is(k, klen, "index", 5))
            which = K_INDEX;
        else if (key_is(k, klen, "code", 4))
            which = K_CODE;
        if (which < 0) {
            RN_TRY(mp_skip_at(c, 2));
            continue;
        }
        if ((seen & (1u << which)) != 0)
            return RN_EFIELDORDER;
        seen |= 1u << which;
        switch (which) {
        case K_NAME:
            RN_TRY(mp_read_str(c, &r->name, &r->name_len));
            break;
        case K_MESSAGE:
            RN_TRY(mp_read_str(c, &r->message, &r->message_len));
            break;
        case K_FIELD:
            RN_TRY(read_str_or_nil(c, true, &r->field, &r->field_len));
            break;
        case K_INDEX:
            if (mp_peek(c) == MP_NIL) {
                RN_TRY(mp_read_nil(c));
            } else {
                uint64_t v;
                RN_TRY(mp_read_uint(c, &v));
                if (v > UINT32_MAX)
                    return RN_EINVAL;
                r->has_index = true;
                r->index = (uint32_t)v;
            }
            break;
        default: {
            int64_t v;
            RN_TRY(mp_read_int(c, &v));
            if (v >= 0 || v < INT32_MIN)
                return RN_EINVAL;
            r->code = (int)v;
            break;
        }
        }
    }
    if ((seen & (1u << K_CODE)) == 0)
        return RN_EMISSING;
    return 0;
}

int ctl_response_decode(ctl_response *r, const uint8_t *buf, size_t len)
{
    size_t used;
    RN_TRY(ctl_response_read(r, buf, len, &used));
    return used == len ? 0 : RN_ETRAILING;
}

int ctl_response_read(ctl_response *r, const uint8_t *buf, size_t len, size_t *used)
{
    mp_cur c;
    uint32_t n;
    uint64_t v;
    memset(r, 0, sizeof(*r));
    mp_cur_init(&c, buf, len);
    RN_TRY(mp_read_array(&c, &n));
    if (n != 4)
        return RN_ECOUNT;
    RN_TRY(mp_read_uint(&c, &v));
    if (v != 1)
        return RN_EINVAL;
    RN_TRY(mp_read_uint(&c, &v));
    if (v > UINT32_MAX)
        return RN_EINVAL;
    r->msgid = (uint32_t)v;
    if (mp_peek(&c) == MP_NIL) {
        RN_TRY(mp_read_nil(&c));
    } else if (mp_peek(&c) == MP_MAP) {
        r->is_error = true;
        RN_TRY(read_error_map(&c, r));
    } else {
        return mp_peek(&c) == MP_NONE    ? RN_ETRUNCATED
               : mp_peek(&c) == MP_OTHER ? RN_EMALFORMED
                                         : RN_ETYPE;
    }
    r->result = c;
    RN_TRY(mp_skip_at(&c, 1));
    r->result.end = c.p;
    if (r->is_error && mp_peek(&r->result) != MP_NIL)
        return RN_EINCONSISTENT;
    *used = (size_t)(c.p - buf);
    return 0;
}

/* ---- Request options ---- */

int ctl_options_get(const ctl_request *r, ctl_options *o, ctl_error *e)
{
    o->sign = false;
    o->witnessed = 0;
    uint32_t i = ctl_params_max(r->m);
    if (i == 0 || strcmp(r->m->params[i - 1].name, CTL_OPTIONS_PARAM) != 0 ||
        ctl_param_nil(r, i - 1))
        return 0;
    mp_cur c = r->params[i - 1];
    uint32_t n;
    bool seen_sign = false, seen_witnessed = false;
    int rc = mp_read_map(&c, &n);
    if (rc < 0)
        return ctl_error_set(e, rc, "options");
    for (uint32_t k = 0; k < n; k++) {
        const uint8_t *key;
        uint32_t len;
        rc = mp_read_str(&c, &key, &len);
        if (rc < 0)
            return ctl_error_msg(e, rc, "options", "options have string keys");
        if (len == 6 && memcmp(key, "signed", 6) == 0) {
            if (seen_sign)
                return ctl_error_set(e, RN_EFIELDORDER, "options.signed");
            seen_sign = true;
            rc = mp_read_bool(&c, &o->sign);
            if (rc < 0)
                return ctl_error_msg(e, rc, "options.signed", "signed is true or false");
        } else if (len == 9 && memcmp(key, "witnessed", 9) == 0) {
            uint64_t w;
            if (seen_witnessed)
                return ctl_error_set(e, RN_EFIELDORDER, "options.witnessed");
            seen_witnessed = true;
            rc = mp_read_uint(&c, &w);
            if (rc < 0)
                return ctl_error_msg(e, rc, "options.witnessed",
                                     "witnessed is a number of cosignatures");
            if (w == 0 || w > RN_CHECKPOINT_COSIGS_MAX)
                return ctl_error_msg(e, RN_ECOUNT, "options.witnessed",
                                     "witnessed is from 1 to 64 cosignatures");
            if (r->m->id != CTL_M_RECOGNISE && r->m->id != CTL_M_VERIFY)
                return ctl_error_msg(e, RN_EINVAL, "options.witnessed",
                                     "only recognise and verify answer with a proof bundle");
            o->witnessed = (uint32_t)w;
        } else {
            return ctl_error_msg(e, RN_EUNKNOWNFIELD, "options",
                                 "options are signed and witnessed");
        }
    }
    return 0;
}
