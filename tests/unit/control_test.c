/*
 * control_test.c: the control API (node_control, node/control.c; PROTOCOL.md section 11) against
 * a core over a replica in a temporary directory.
 *
 * The replica holds the federation of tests/fuzz/proof_fixture.h: Ireland's University of Zed and
 * its "Digital micro-credential creation" spec (the Commission's ELM sample) with a revocation,
 * and France's decisions and policies about it. The node under test is Germany's authority, which
 * starts with an empty log and publishes through the API. Every method is called with valid
 * parameters and checked against the replica; then requests are broken every way a client can
 * break them (truncated, wrongly typed, unknown method, wrong parameter counts, trailing bytes,
 * oversized, random bytes) and each must get a well-formed error response, never a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "cred/status.h"
#include "node/core.h"
#include "proto/checkpoint.h"
#include "proto/ctl.h"
#include "proto/key.h"
#include "proto/proof.h"
#include "store/store.h"
#include "store/store_internal.h"
#include "tests/fuzz/proof_fixture.h"
#include "tests/support/rng.h"

#include "testutil.h"

#define NOW                PF_T_2025_03_01
#define PF_T_2025_01_01_CT 1735689600000ull

typedef struct world {
    char dir[64];
    store s;
    node *n;
    pf_world pf;
    mp_buf resp;
} world;

/* A parsed response. */
typedef struct reply {
    uint64_t msgid;
    bool error;
    int code;
    char name[32];
    char field[64];
    bool has_index;
    uint64_t index;
    char message[256];
    mp_cur result;
} reply;

/* ---- Setup ---- */

static void ingest(world *w, const pf_entry *const *e, size_t n)
{
    proto_str raw[8];
    store_ingest_result res;
    rn_diag d = { 0 };
    for (size_t i = 0; i < n; i++)
        raw[i] = (proto_str){ e[i]->b, (uint32_t)e[i]->len };
    assert_int_equal(store_ingest(&w->s, raw, n, &res, &d), 0);
    assert_int_equal(res.accepted, n);
}

static int setup(void **state)
{
    world *w = calloc(1, sizeof(*w));
    proto_roster ro;
    node_config cfg;
    if (w == NULL || sodium_init() < 0)
        return -1;
    snprintf(w->dir, sizeof(w->dir), "/tmp/control_test.XXXXXX");
    if (mkdtemp(w->dir) == NULL || store_open(&w->s, w->dir, NULL) != 0)
        return -1;
    pf_world_build(&w->pf);
    pf_roster_build(&w->pf, &ro);
    if (store_roster_set(&w->s, &ro) != 0)
        return -1;
    proto_roster_free(&ro);
    const pf_entry *ie[] = { &w->pf.provider, &w->pf.spec, &w->pf.revocation };
    const pf_entry *fr[] = { &w->pf.decision,           &w->pf.policy,
                             &w->pf.policy_other_field, &w->pf.decision_other_spec,
                             &w->pf.decision_expired,   &w->pf.decision_employment };
    ingest(w, ie, 3);
    ingest(w, fr, 6);
    memset(&cfg, 0, sizeof(cfg));
    memcpy(cfg.sk, w->pf.de.sk, sizeof(cfg.sk));
    cfg.rng_seed = 7;
    if (node_new(&w->n, &w->s, &cfg, NOW) != 0)
        return -1;
    mp_buf_init(&w->resp, RN_CONTROL_RESPONSE_BYTES_MAX);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world *w = *state;
    node_free(w->n);
    store_close(&w->s);
    mp_buf_free(&w->resp);
    int rc = test_rmtree(w->dir);
    free(w);
    return rc;
}

/* ---- Responses ---- */

static void copy(char *dst, size_t cap, const uint8_t *s, uint32_t n)
{
    snprintf(dst, cap, "%.*s", (int)n, (const char *)s);
}

/* Parses resp[0..len) with the codec of proto/ctl.h: exactly one well-formed response, nothing
 * after it; an error map in the node's one spelling (every key, in order, "code" last). */
static void parse(const uint8_t *buf, size_t len, reply *r)
{
    ctl_response d;
    memset(r, 0, sizeof(*r));
    assert_int_equal(ctl_response_decode(&d, buf, len), 0);
    r->msgid = d.msgid;
    r->error = d.is_error;
    r->result = d.result;
    if (!d.is_error)
        return;
    r->code = d.code;
    assert_non_null(d.name);
    assert_non_null(d.message);
    copy(r->name, sizeof(r->name), d.name, d.name_len);
    copy(r->message, sizeof(r->message), d.message, d.message_len);
    if (d.field != NULL)
        copy(r->field, sizeof(r->field), d.field, d.field_len);
    r->has_index = d.has_index;
    r->index = d.index;
    assert_string_equal(r->name, rn_err_name(r->code));
    assert_int_equal(mp_peek(&r->result), MP_NIL);

    ctl_error e;
    mp_buf b;
    ctl_error_msg(&e, d.code, r->field, r->message);
    e.has_index = d.has_index;
    e.index = d.index;
    mp_buf_init(&b, RN_CONTROL_RESPONSE_BYTES_MAX);
    ctl_response_error(&b, d.msgid, &e);
    assert_int_equal(b.len, len);
    assert_memory_equal(b.data, buf, len);
    mp_buf_free(&b);
}

/* Sends raw bytes; returns node_control's result and parses the response. */
static int send_raw(world *w, const uint8_t *req, size_t len, reply *r)
{
    mp_buf_reset(&w->resp);
    int rc = node_control(w->n, req, len, &w->resp, NOW);
    parse(w->resp.data, w->resp.len, r);
    return rc;
}

/* Starts a request [0, 42, method, params] whose params array (of n) the caller appends. */
static void req_start(mp_buf *b, const char *method, uint32_t n)
{
    mp_buf_init(b, RN_CONTROL_REQUEST_BYTES_MAX + 1024u);
    mp_put_array(b, 4);
    mp_put_uint(b, 0);
    mp_put_uint(b, 42);
    mp_put_cstr(b, method);
    mp_put_array(b, n);
}

static void req_send(world *w, mp_buf *b, reply *r)
{
    assert_int_equal(mp_buf_err(b), 0);
    assert_int_equal(send_raw(w, b->data, b->len, r), 0);
    assert_int_equal(r->msgid, 42);
    mp_buf_free(b);
}

static void expect_ok(const reply *r)
{
    if (r->error)
        fail_msg("error %s: %s (field %s)", r->name, r->message, r->field);
}

static void expect_err(const reply *r, int code, const char *field)
{
    assert_true(r->error);
    if (r->code != code)
        fail_msg("expected %s, got %s: %s", rn_err_name(code), r->name, r->message);
    if (field != NULL)
        assert_string_equal(r->field, field);
}

/* ---- Reading results ---- */

static mp_cur get(mp_cur map, const char *key)
{
    uint32_t n;
    assert_int_equal(mp_read_map(&map, &n), 0);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *k;
        uint32_t kl;
        assert_int_equal(mp_read_str(&map, &k, &kl), 0);
        if (kl == strlen(key) && memcmp(k, key, kl) == 0)
            return map;
        assert_int_equal(mp_skip(&map), 0);
    }
    fail_msg("no key %s", key);
    return map;
}

static uint64_t get_uint(mp_cur map, const char *key)
{
    uint64_t v;
    mp_cur c = get(map, key);
    assert_int_equal(mp_read_uint(&c, &v), 0);
    return v;
}

static bool get_bool(mp_cur map, const char *key)
{
    bool v;
    mp_cur c = get(map, key);
    assert_int_equal(mp_read_bool(&c, &v), 0);
    return v;
}

static void get_str(mp_cur map, const char *key, char *out, size_t cap)
{
    const uint8_t *s;
    uint32_t n;
    mp_cur c = get(map, key);
    assert_int_equal(mp_read_str(&c, &s, &n), 0);
    copy(out, cap, s, n);
}

static proto_str get_bin(mp_cur map, const char *key)
{
    const uint8_t *s;
    uint32_t n;
    mp_cur c = get(map, key);
    assert_int_equal(mp_read_bin(&c, &s, &n), 0);
    return (proto_str){ s, n };
}

static bool is_nil(mp_cur map, const char *key)
{
    mp_cur c = get(map, key);
    return mp_peek(&c) == MP_NIL;
}

static void call0(world *w, const char *method, reply *r)
{
    mp_buf b;
    req_start(&b, method, 0);
    req_send(w, &b, r);
}

/* ---- The methods ---- */

static void test_status(void **state)
{
    world *w = *state;
    reply r;
    char s[64], key[PROTO_KEY_TEXT_LEN + 1];
    call0(w, "status", &r);
    expect_ok(&r);
    get_str(r.result, "country", s, sizeof(s));
    assert_string_equal(s, "DE");
    get_str(r.result, "role", s, sizeof(s));
    assert_string_equal(s, "authority");
    get_str(r.result, "key", s, sizeof(s));
    proto_key_text_format(w->pf.de.pk, key);
    assert_string_equal(s, key);
    assert_int_equal(get_uint(r.result, "seq"), 0);
    assert_int_equal(get_uint(r.result, "entries"), 9);
    assert_int_equal(get_uint(r.result, "authors"), 2);
    mp_cur f = get(r.result, "forks");
    uint32_t n;
    assert_int_equal(mp_read_array(&f, &n), 0);
    assert_int_equal(n, 0);
    mp_cur p = get(r.result, "peers");
    assert_int_equal(get_uint(p, "connected"), 0);
    mp_cur k = get(r.result, "counters");
    assert_int_equal(get_uint(k, "frames_in"), 0);
    assert_int_equal(get_uint(k, "protocol_errors"), 0);
    (void)get_bool(r.result, "index_pending"); /* true: the entries just ingested await the pass */
    assert_int_equal(get_uint(r.result, "time"), NOW);
}

static void test_peers_heads_roster(void **state)
{
    world *w = *state;
    reply r;
    uint32_t n;
    call0(w, "peers", &r);
    expect_ok(&r);
    assert_int_equal(mp_read_array(&r.result, &n), 0);

    call0(w, "heads", &r);
    expect_ok(&r);
    mp_cur h = r.result;
    assert_int_equal(mp_read_array(&h, &n), 0);
    assert_int_equal(n, 2);
    for (uint32_t i = 0; i < n; i++) {
        mp_cur item = h;
        char cc[4];
        get_str(item, "country", cc, sizeof(cc));
        proto_str a = get_bin(item, "author");
        assert_int_equal(a.len, PROTO_KEY_BYTES);
        uint64_t seq = get_uint(item, "seq");
        if (memcmp(a.ptr, w->pf.ie.pk, 32) == 0) {
            assert_string_equal(cc, "IE");
            assert_int_equal(seq, 3);
            assert_memory_equal(get_bin(item, "id").ptr, w->pf.ie.head, 32);
        } else {
            assert_memory_equal(a.ptr, w->pf.fr.pk, 32);
            assert_int_equal(seq, 6);
        }
        assert_false(get_bool(item, "forked"));
        assert_false(get_bool(item, "unsigned"));
        assert_int_equal(mp_skip(&h), 0);
    }

    call0(w, "roster", &r);
    expect_ok(&r);
    proto_str enc = get_bin(r.result, "encoded");
    proto_roster ro;
    assert_int_equal(proto_roster_init(&ro, 16), 0);
    assert_int_equal(proto_roster_decode(&ro, enc.ptr, enc.len, NULL), 0);
    assert_int_equal(ro.count, 4);
    proto_roster_free(&ro);
    mp_cur m = get(r.result, "members");
    assert_int_equal(mp_read_array(&m, &n), 0);
    assert_int_equal(n, 4);
}

static void test_log_entry(void **state)
{
    world *w = *state;
    reply r;
    mp_buf b;
    uint32_t n;
    const pf_entry *ie[] = { &w->pf.provider, &w->pf.spec, &w->pf.revocation };

    req_start(&b, "log", 2);
    mp_put_bin(&b, w->pf.ie.pk, 32);
    mp_put_uint(&b, 1);
    req_send(w, &b, &r);
    expect_ok(&r);
    assert_int_equal(mp_read_array(&r.result, &n), 0);
    assert_int_equal(n, 3);
    for (uint32_t i = 0; i < n; i++) {
        proto_str e;
        assert_int_equal(mp_read_bin(&r.result, &e.ptr, &e.len), 0);
        assert_int_equal(e.len, ie[i]->len);
        assert_memory_equal(e.ptr, ie[i]->b, e.len);
    }

    /* The author as text, a start and a maximum. */
    char key[PROTO_KEY_TEXT_LEN + 1];
    proto_key_text_format(w->pf.ie.pk, key);
    req_start(&b, "log", 3);
    mp_put_cstr(&b, key);
    mp_put_uint(&b, 2);
    mp_put_uint(&b, 1);
    req_send(w, &b, &r);
    expect_ok(&r);
    assert_int_equal(mp_read_array(&r.result, &n), 0);
    assert_int_equal(n, 1);

    /* Past the head, and an author with no log: empty. */
    req_start(&b, "log", 3);
    mp_put_bin(&b, w->pf.de.pk, 32);
    mp_put_uint(&b, 1);
    mp_put_nil(&b);
    req_send(w, &b, &r);
    expect_ok(&r);
    assert_int_equal(mp_read_array(&r.result, &n), 0);
    assert_int_equal(n, 0);

    req_start(&b, "log", 2);
    mp_put_bin(&b, w->pf.ie.pk, 32);
    mp_put_uint(&b, 0);
    req_send(w, &b, &r);
    expect_err(&r, RN_ESEQ, "from_seq");

    req_start(&b, "log", 2);
    mp_put_bin(&b, w->pf.ie.pk, 31);
    mp_put_uint(&b, 1);
    req_send(w, &b, &r);
    expect_err(&r, RN_ELEN, "author");

    req_start(&b, "log", 2);
    mp_put_cstr(&b, "rn1:nope");
    mp_put_uint(&b, 1);
    req_send(w, &b, &r);
    expect_err(&r, RN_EKEY, "author");

    /* entry [id] */
    uint8_t id[PROTO_ID_BYTES];
    proto_entry_id(w->pf.spec.b, w->pf.spec.len, id);
    req_start(&b, "entry", 1);
    mp_put_bin(&b, id, sizeof(id));
    req_send(w, &b, &r);
    expect_ok(&r);
    assert_memory_equal(get_bin(r.result, "author").ptr, w->pf.ie.pk, 32);
    assert_int_equal(get_uint(r.result, "seq"), 2);
    proto_str bytes = get_bin(r.result, "bytes");
    assert_int_equal(bytes.len, w->pf.spec.len);
    assert_memory_equal(bytes.ptr, w->pf.spec.b, bytes.len);

    id[0] ^= 1;
    req_start(&b, "entry", 1);
    mp_put_bin(&b, id, sizeof(id));
    req_send(w, &b, &r);
    expect_err(&r, RN_ENOTFOUND, "id");
}

/* record [kind, id, at]: the latest version as of at, as its entry's bytes. */
static void test_record(void **state)
{
    world *w = *state;
    reply r;
    mp_buf b;

    req_start(&b, "record", 2);
    mp_put_cstr(&b, "spec");
    mp_put_cstr(&b, PF_SPEC_ID);
    req_send(w, &b, &r);
    expect_ok(&r);
    proto_str bytes = get_bin(r.result, "bytes");
    assert_int_equal(bytes.len, w->pf.spec.len);
    assert_memory_equal(bytes.ptr, w->pf.spec.b, bytes.len);
    assert_int_equal(get_uint(r.result, "seq"), 2);
    assert_int_equal(get_uint(r.result, "timestamp"), PF_T_2023_01_02 + PF_DAY_MS);
    proto_str author = get_bin(r.result, "author");
    assert_memory_equal(author.ptr, w->pf.ie.pk, PROTO_KEY_BYTES);

    /* The provider as of a time after its entry, and before it: not found then. */
    req_start(&b, "record", 3);
    mp_put_cstr(&b, "provider");
    mp_put_cstr(&b, PF_PROVIDER_ID);
    mp_put_uint(&b, PF_T_2024_01_01);
    req_send(w, &b, &r);
    expect_ok(&r);
    bytes = get_bin(r.result, "bytes");
    assert_memory_equal(bytes.ptr, w->pf.provider.b, bytes.len);
    req_start(&b, "record", 3);
    mp_put_cstr(&b, "provider");
    mp_put_cstr(&b, PF_PROVIDER_ID);
    mp_put_uint(&b, PF_T_2021_01_01);
    req_send(w, &b, &r);
    expect_err(&r, RN_ENOTFOUND, "id");
    /* Nil at means now. */
    req_start(&b, "record", 3);
    mp_put_cstr(&b, "provider");
    mp_put_cstr(&b, PF_PROVIDER_ID);
    mp_put_nil(&b);
    req_send(w, &b, &r);
    expect_ok(&r);

    /* Refused: a revocation (named by a digest), an unknown kind, a malformed id, an id nobody
     * published, a time out of range, a missing parameter. */
    static const char *const bad_kinds[] = { "revocation", "badge" };
    for (size_t i = 0; i < 2; i++) {
        req_start(&b, "record", 2);
        mp_put_cstr(&b, bad_kinds[i]);
        mp_put_cstr(&b, PF_SPEC_ID);
        req_send(w, &b, &r);
        expect_err(&r, RN_EKIND, "kind");
    }
    req_start(&b, "record", 2);
    mp_put_cstr(&b, "spec");
    mp_put_cstr(&b, "no prefix");
    req_send(w, &b, &r);
    expect_err(&r, RN_EID, "id");
    req_start(&b, "record", 2);
    mp_put_cstr(&b, "spec");
    mp_put_cstr(&b, "IE:resa/nothing");
    req_send(w, &b, &r);
    expect_err(&r, RN_ENOTFOUND, "id");
    req_start(&b, "record", 3);
    mp_put_cstr(&b, "spec");
    mp_put_cstr(&b, PF_SPEC_ID);
    mp_put_uint(&b, RN_TIME_MS_MAX + 1);
    req_send(w, &b, &r);
    expect_err(&r, RN_ETIME, "at");
    req_start(&b, "record", 1);
    mp_put_cstr(&b, "spec");
    req_send(w, &b, &r);
    expect_err(&r, RN_ECOUNT, "request.params");
    req_start(&b, "record", 2);
    mp_put_cstr(&b, "spec");
    mp_put_uint(&b, 7);
    req_send(w, &b, &r);
    expect_err(&r, RN_ETYPE, "id");
}

static void test_fork(void **state)
{
    world *w = *state;
    reply r;
    mp_buf b;

    req_start(&b, "fork", 1);
    mp_put_bin(&b, w->pf.ie.pk, 32);
    req_send(w, &b, &r);
    expect_err(&r, RN_ENOTFOUND, "author");

    /* Ireland signs a second entry at seq 3: equivocation. */
    pf_author twin = w->pf.ie;
    pf_entry other;
    proto_record rec = pf_spec_record("IE:resa/mc-c099");
    twin.seq = 2;
    proto_entry_id(w->pf.spec.b, w->pf.spec.len, twin.head);
    pf_sign(&twin, PF_T_2024_06_01, &rec, &other);
    proto_str raw = { other.b, (uint32_t)other.len };
    store_ingest_result res;
    rn_diag d = { 0 };
    assert_int_equal(store_ingest(&w->s, &raw, 1, &res, &d), 0);
    assert_true(res.forked);

    req_start(&b, "fork", 1);
    mp_put_bin(&b, w->pf.ie.pk, 32);
    req_send(w, &b, &r);
    expect_ok(&r);
    assert_int_equal(get_uint(r.result, "seq"), 3);
    proto_str a = get_bin(r.result, "a"), bb = get_bin(r.result, "b");
    assert_true(a.len > 0 && bb.len > 0);
    assert_true(a.len != bb.len || memcmp(a.ptr, bb.ptr, a.len) != 0);

    call0(w, "status", &r);
    expect_ok(&r);
    mp_cur f = get(r.result, "forks");
    uint32_t n;
    assert_int_equal(mp_read_array(&f, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(get_uint(f, "seq"), 3);

    /* Answers resting on Ireland's spec now say so. */
    req_start(&b, "recognise", 3);
    mp_put_cstr(&b, PF_SPEC_ID);
    mp_put_cstr(&b, "FR");
    mp_put_cstr(&b, "further_study");
    req_send(w, &b, &r);
    expect_ok(&r);
    assert_true(get_bool(r.result, "forked"));
}

/* Encodes a record as a body. */
static void body_of(const proto_record *rec, mp_buf *out)
{
    mp_buf_init(out, RN_RECORD_BYTES_MAX);
    assert_int_equal(proto_record_encode(rec, out), 0);
}

static proto_record de_provider(const char *id)
{
    proto_record r = pf_provider_record();
    r.u.provider.id = proto_str_c(id);
    r.u.provider.legal_name = proto_str_c("Volkshochschule Berlin Mitte");
    r.u.provider.country = proto_str_c("DE");
    r.u.provider.qa_body = proto_str_c("Akkreditierungsrat");
    return r;
}

static void test_publish(void **state)
{
    world *w = *state;
    reply r;
    mp_buf b, body;
    proto_record rec = de_provider("DE:vhs");

    body_of(&rec, &body);
    req_start(&b, "publish", 2);
    mp_put_cstr(&b, "provider");
    mp_put_bin(&b, body.data, body.len);
    req_send(w, &b, &r);
    expect_ok(&r);
    assert_int_equal(get_uint(r.result, "seq"), 1);
    proto_str id = get_bin(r.result, "id");
    assert_int_equal(id.len, PROTO_ID_BYTES);
    mp_buf_free(&body);

    /* The alias, with the next version. */
    rec.u.provider.url = proto_str_c("https://www.vhs-berlin.de");
    body_of(&rec, &body);
    req_start(&b, "provider.publish", 1);
    mp_put_bin(&b, body.data, body.len);
    req_send(w, &b, &r);
    expect_ok(&r);
    assert_int_equal(get_uint(r.result, "seq"), 2);

    /* The body of another kind than the alias says. */
    req_start(&b, "spec.publish", 1);
    mp_put_bin(&b, body.data, body.len);
    req_send(w, &b, &r);
    assert_true(r.error);
    assert_true(r.field[0] != '\0');
    mp_buf_free(&body);

    /* Another country's prefix: refused, naming the field. */
    rec = de_provider("IE:vhs");
    body_of(&rec, &body);
    req_start(&b, "provider.publish", 1);
    mp_put_bin(&b, body.data, body.len);
    req_send(w, &b, &r);
    expect_err(&r, RN_EPREFIX, "provider.id");
    mp_buf_free(&body);

    /* An invalid body: a spec whose second outcome is empty. */
    rec = pf_spec_record("DE:vhs/mc-1");
    rec.u.spec.provider = proto_str_c("DE:vhs");
    mp_buf_init(&body, RN_RECORD_BYTES_MAX);
    assert_int_equal(proto_record_encode(&rec, &body), 0);
    /* Replace the EQF level 6 (key 6, value 6) by 9: "06 06" -> "06 09". */
    for (size_t i = 0; i + 1 < body.len; i++) {
        if (body.data[i] == 0x06 && body.data[i + 1] == 0x06) {
            body.data[i + 1] = 0x09;
            break;
        }
    }
    req_start(&b, "spec.publish", 1);
    mp_put_bin(&b, body.data, body.len);
    req_send(w, &b, &r);
    expect_err(&r, RN_EEQF, "spec.eqf");
    mp_buf_free(&body);

    /* A list item at fault carries its index. */
    rec = pf_spec_record("DE:vhs/mc-1");
    rec.u.spec.provider = proto_str_c("DE:vhs");
    mp_buf_init(&body, RN_RECORD_BYTES_MAX);
    /* The encoder refuses a bad URL: encode a good one and break it in the bytes. */
    rec.u.spec.outcomes[1].esco[0] = proto_str_c("http://nope");
    assert_int_equal(proto_record_encode(&rec, &body), 0);
    for (size_t i = 0; i + 4 < body.len; i++) {
        if (memcmp(body.data + i, "http://nope", 11) == 0) {
            memcpy(body.data + i, "htxp", 4);
            break;
        }
    }
    req_start(&b, "spec.publish", 1);
    mp_put_bin(&b, body.data, body.len);
    req_send(w, &b, &r);
    expect_err(&r, RN_EURL, "spec.outcomes.esco");
    assert_true(r.has_index);
    assert_int_equal(r.index, 0);
    mp_buf_free(&body);

    req_start(&b, "publish", 2);
    mp_put_cstr(&b, "charter");
    mp_put_bin(&b, "x", 1);
    req_send(w, &b, &r);
    expect_err(&r, RN_EKIND, "kind");
    /* Roster changes and successions are the governed roster's (roster.propose, roster.approve,
     * and the node's own on a key switch), never a generic publish. */
    static const char *const gov_kinds[] = { "roster", "succession" };
    for (size_t i = 0; i < 2; i++) {
        req_start(&b, "publish", 2);
        mp_put_cstr(&b, gov_kinds[i]);
        mp_put_bin(&b, "x", 1);
        req_send(w, &b, &r);
        expect_err(&r, RN_EKIND, "kind");
        req_start(&b, "publish.batch", 2);
        mp_put_array(&b, 1);
        mp_put_cstr(&b, gov_kinds[i]);
        mp_put_array(&b, 1);
        mp_put_bin(&b, "x", 1);
        req_send(w, &b, &r);
        expect_err(&r, RN_EKIND, "kinds");
    }

    /* status sees our log. */
    call0(w, "status", &r);
    expect_ok(&r);
    assert_int_equal(get_uint(r.result, "seq"), 2);
}

/* A spec of the node's own authority must name a provider the node already holds (its own): one
 * published before its provider is refused with RN_ENOTFOUND naming spec.provider and the id. */
/* A did:key verification method's key, for cred_di_verify (the list's own resolver is
 * cred_resolve_ed25519; here the test's). */
static int resolve_did_key(void *ctx, const char *vm, uint8_t pk[32])
{
    (void)ctx;
    char id[CRED_DID_KEY_CHARS];
    size_t n = strcspn(vm + 8, "#");
    assert_true(strncmp(vm, "did:key:", 8) == 0 && n < sizeof(id));
    memcpy(id, vm + 8, n);
    id[n] = '\0';
    return cred_multikey_ed25519(id, pk);
}

/* status.list: only for the node's own country's providers; the list's bits are the provider's
 * revocations with an index, in force as of at; the credential is signed by the node's key. */
static void test_status_list(void **state)
{
    world *w = *state;
    reply r;
    mp_buf b, body;
    proto_record rec = de_provider("DE:vhs");
    body_of(&rec, &body);
    req_start(&b, "provider.publish", 1);
    mp_put_bin(&b, body.data, body.len);
    req_send(w, &b, &r);
    expect_ok(&r);
    mp_buf_free(&body);
    uint8_t digest[PROTO_DIGEST_BYTES];
    memset(digest, 0x42, sizeof(digest));
    memset(&rec, 0, sizeof(rec));
    rec.kind = PROTO_KIND_REVOCATION;
    rec.u.revocation.credential = digest;
    rec.u.revocation.provider = proto_str_c("DE:vhs");
    rec.u.revocation.reason = PROTO_REASON_FRAUD;
    rec.u.revocation.revoked_at_ms = NOW - 1000;
    rec.u.revocation.has_status_index = true;
    rec.u.revocation.status_index = 42;
    body_of(&rec, &body);
    req_start(&b, "revocation.publish", 1);
    mp_put_bin(&b, body.data, body.len);
    req_send(w, &b, &r);
    expect_ok(&r);
    mp_buf_free(&body);

    /* A second one, in force only tomorrow. */
    memset(digest, 0x43, sizeof(digest));
    rec.u.revocation.revoked_at_ms = NOW + 86400000u;
    rec.u.revocation.status_index = 43;
    body_of(&rec, &body);
    req_start(&b, "revocation.publish", 1);
    mp_put_bin(&b, body.data, body.len);
    req_send(w, &b, &r);
    expect_ok(&r);
    mp_buf_free(&body);

    req_start(&b, "status.list", 3);
    mp_put_cstr(&b, "DE:vhs");
    mp_put_nil(&b);
    mp_put_cstr(&b, "https://recnet.example.de/v1/status/DE:vhs");
    req_send(w, &b, &r);
    expect_ok(&r);
    assert_int_equal(get_uint(r.result, "revoked"), 1);
    assert_int_equal(get_uint(r.result, "revocations"), 1);
    assert_int_equal(get_uint(r.result, "unindexed"), 0);
    assert_int_equal(get_uint(r.result, "entries"), RN_STATUS_LIST_BITS);
    char did[CRED_DID_KEY_CHARS], issuer[128];
    cred_did_key_ed25519(w->pf.de.pk, did);
    get_str(r.result, "issuer", issuer, sizeof(issuer));
    assert_string_equal(issuer, did);
    mp_cur c = get(r.result, "credential");
    const uint8_t *doc;
    uint32_t n;
    assert_int_equal(mp_read_str(&c, &doc, &n), 0);
    json_t *list = json_loadb((const char *)doc, n, 0, NULL);
    assert_non_null(list);
    assert_string_equal(json_string_value(json_object_get(list, "id")),
                        "https://recnet.example.de/v1/status/DE:vhs");
    cred_di_result res;
    assert_int_equal(cred_di_verify(list, resolve_did_key, NULL, &res), 0);
    const char *enc = json_string_value(
        json_object_get(json_object_get(list, "credentialSubject"), "encodedList"));
    uint8_t *bits = NULL;
    size_t len = 0;
    assert_int_equal(cred_status_list_decode(enc, strlen(enc), &bits, &len), 0);
    assert_int_equal(len, RN_STATUS_LIST_BITS / 8u);
    assert_int_equal(bits[42 / 8], 0x80 >> (42 % 8));
    free(bits);
    json_decref(list);

    /* As of the day after: both set; without a url, the list's id is a URN. */
    req_start(&b, "status.list", 2);
    mp_put_cstr(&b, "DE:vhs");
    mp_put_uint(&b, NOW + 2u * 86400000u);
    req_send(w, &b, &r);
    expect_ok(&r);
    assert_int_equal(get_uint(r.result, "revoked"), 2);
    get_str(r.result, "id", issuer, sizeof(issuer));
    assert_string_equal(issuer, "urn:recnet:status:DE:vhs");

    /* Asked again as of the same time (the cache's answer): the same bytes. Asked after a new
     * revocation (another head): it is in the list. */
    uint8_t first[2048];
    size_t first_len;
    for (int pass = 0; pass < 2; pass++) {
        req_start(&b, "status.list", 2);
        mp_put_cstr(&b, "DE:vhs");
        mp_put_uint(&b, NOW + 60000u);
        req_send(w, &b, &r);
        expect_ok(&r);
        assert_int_equal(get_uint(r.result, "revoked"), 1);
        c = get(r.result, "credential");
        assert_int_equal(mp_read_str(&c, &doc, &n), 0);
        assert_true(n < sizeof(first));
        if (pass == 0) {
            memcpy(first, doc, n);
            first_len = n;
        } else {
            assert_int_equal(n, first_len);
            assert_memory_equal(doc, first, n);
        }
    }
    memset(digest, 0x44, sizeof(digest));
    rec.u.revocation.revoked_at_ms = NOW - 1000;
    rec.u.revocation.status_index = 44;
    body_of(&rec, &body);
    req_start(&b, "revocation.publish", 1);
    mp_put_bin(&b, body.data, body.len);
    req_send(w, &b, &r);
    expect_ok(&r);
    mp_buf_free(&body);
    req_start(&b, "status.list", 2);
    mp_put_cstr(&b, "DE:vhs");
    mp_put_uint(&b, NOW + 60000u);
    req_send(w, &b, &r);
    expect_ok(&r);
    assert_int_equal(get_uint(r.result, "revoked"), 2);
    assert_int_equal(get_uint(r.result, "revocations"), 2);

    /* Another country's provider: only its authority signs its list. */
    req_start(&b, "status.list", 1);
    mp_put_cstr(&b, PF_PROVIDER_ID);
    req_send(w, &b, &r);
    expect_err(&r, RN_EROLE, "provider");
    assert_non_null(strstr(r.message, "IE's authority rn1:"));
    /* Unknown provider, bad id, bad url. */
    req_start(&b, "status.list", 1);
    mp_put_cstr(&b, "DE:nobody");
    req_send(w, &b, &r);
    expect_err(&r, RN_ENOTFOUND, "provider");
    req_start(&b, "status.list", 1);
    mp_put_cstr(&b, "vhs");
    req_send(w, &b, &r);
    expect_err(&r, RN_EID, "provider");
    req_start(&b, "status.list", 3);
    mp_put_cstr(&b, "DE:vhs");
    mp_put_nil(&b);
    mp_put_cstr(&b, "ftp://example.de/list");
    req_send(w, &b, &r);
    expect_err(&r, RN_EURL, "url");
}

static void test_publish_spec_needs_provider(void **state)
{
    world *w = *state;
    reply r;
    mp_buf b, body;
    proto_record rec = pf_spec_record("DE:vhs/mc-1");
    rec.u.spec.provider = proto_str_c("DE:vhs");

    body_of(&rec, &body);
    req_start(&b, "spec.publish", 1);
    mp_put_bin(&b, body.data, body.len);
    req_send(w, &b, &r);
    expect_err(&r, RN_ENOTFOUND, "spec.provider");
    assert_non_null(strstr(r.message, "DE:vhs"));
    call0(w, "status", &r);
    expect_ok(&r);
    assert_int_equal(get_uint(r.result, "seq"), 0);

    /* Another country's provider: its prefix is what is wrong. */
    mp_buf body2;
    proto_record other = pf_spec_record("DE:vhs/mc-1");
    body_of(&other, &body2);
    req_start(&b, "spec.publish", 1);
    mp_put_bin(&b, body2.data, body2.len);
    req_send(w, &b, &r);
    expect_err(&r, RN_EPREFIX, "spec.provider");
    mp_buf_free(&body2);

    /* The provider first, then the spec. */
    proto_record prov = de_provider("DE:vhs");
    body_of(&prov, &body2);
    req_start(&b, "provider.publish", 1);
    mp_put_bin(&b, body2.data, body2.len);
    req_send(w, &b, &r);
    expect_ok(&r);
    mp_buf_free(&body2);
    req_start(&b, "publish", 2);
    mp_put_cstr(&b, "spec");
    mp_put_bin(&b, body.data, body.len);
    req_send(w, &b, &r);
    expect_ok(&r);
    assert_int_equal(get_uint(r.result, "seq"), 2);
    mp_buf_free(&body);
}

/* publish.batch: the records in order in one commit, the provider rule within the batch, and a
 * batch refused whole with the record at fault in `index` and its own field in the message. */
static void test_publish_batch(void **state)
{
    world *w = *state;
    reply r;
    mp_buf b, prov, spec1, spec2, bad;
    proto_record rec = de_provider("DE:vhs");
    body_of(&rec, &prov);
    rec = pf_spec_record("DE:vhs/mc-1");
    rec.u.spec.provider = proto_str_c("DE:vhs");
    body_of(&rec, &spec1);
    rec.u.spec.id = proto_str_c("DE:vhs/mc-2");
    body_of(&rec, &spec2);
    body_of(&rec, &bad);
    for (size_t i = 0; i + 1 < bad.len; i++) { /* EQF 6 -> 9, as in test_publish */
        if (bad.data[i] == 0x06 && bad.data[i + 1] == 0x06) {
            bad.data[i + 1] = 0x09;
            break;
        }
    }

    /* A spec before its provider, in the same batch: refused, nothing written. */
    req_start(&b, "publish.batch", 2);
    mp_put_array(&b, 2);
    mp_put_cstr(&b, "spec");
    mp_put_cstr(&b, "provider");
    mp_put_array(&b, 2);
    mp_put_bin(&b, spec1.data, spec1.len);
    mp_put_bin(&b, prov.data, prov.len);
    req_send(w, &b, &r);
    expect_err(&r, RN_ENOTFOUND, "bodies");
    assert_true(r.has_index);
    assert_int_equal(r.index, 0);
    assert_non_null(strstr(r.message, "spec.provider"));

    /* A record refused by the store: its position, its field named; nothing written. */
    req_start(&b, "publish.batch", 2);
    mp_put_array(&b, 3);
    mp_put_cstr(&b, "provider");
    mp_put_cstr(&b, "spec");
    mp_put_cstr(&b, "spec");
    mp_put_array(&b, 3);
    mp_put_bin(&b, prov.data, prov.len);
    mp_put_bin(&b, spec1.data, spec1.len);
    mp_put_bin(&b, bad.data, bad.len);
    req_send(w, &b, &r);
    expect_err(&r, RN_EEQF, "bodies");
    assert_true(r.has_index);
    assert_int_equal(r.index, 2);
    assert_non_null(strstr(r.message, "spec.eqf"));
    call0(w, "status", &r);
    assert_int_equal(get_uint(r.result, "seq"), 0);

    /* Malformed batches. */
    req_start(&b, "publish.batch", 2);
    mp_put_array(&b, 1);
    mp_put_cstr(&b, "provider");
    mp_put_array(&b, 2);
    mp_put_bin(&b, prov.data, prov.len);
    mp_put_bin(&b, prov.data, prov.len);
    req_send(w, &b, &r);
    expect_err(&r, RN_ECOUNT, "bodies");
    req_start(&b, "publish.batch", 2);
    mp_put_array(&b, 0);
    mp_put_array(&b, 0);
    req_send(w, &b, &r);
    expect_err(&r, RN_ECOUNT, "kinds");
    req_start(&b, "publish.batch", 2);
    mp_put_array(&b, 1);
    mp_put_cstr(&b, "charter");
    mp_put_array(&b, 1);
    mp_put_bin(&b, prov.data, prov.len);
    req_send(w, &b, &r);
    expect_err(&r, RN_EKIND, "kinds");
    assert_true(r.has_index);
    req_start(&b, "publish.batch", 2);
    mp_put_array(&b, 1);
    mp_put_cstr(&b, "provider");
    mp_put_array(&b, 1);
    mp_put_cstr(&b, "not a bin");
    req_send(w, &b, &r);
    expect_err(&r, RN_ETYPE, "bodies");
    /* One past the count bound. */
    req_start(&b, "publish.batch", 2);
    mp_put_array(&b, RN_APPEND_BATCH_RECORDS_MAX + 1u);
    for (unsigned i = 0; i <= RN_APPEND_BATCH_RECORDS_MAX; i++)
        mp_put_cstr(&b, "provider");
    mp_put_array(&b, RN_APPEND_BATCH_RECORDS_MAX + 1u);
    for (unsigned i = 0; i <= RN_APPEND_BATCH_RECORDS_MAX; i++)
        mp_put_bin(&b, prov.data, prov.len);
    req_send(w, &b, &r);
    expect_err(&r, RN_ECOUNT, "kinds");

    /* The provider, two specs of it: seqs 1-3, in order, the records queryable. */
    req_start(&b, "publish.batch", 2);
    mp_put_array(&b, 3);
    mp_put_cstr(&b, "provider");
    mp_put_cstr(&b, "spec");
    mp_put_cstr(&b, "spec");
    mp_put_array(&b, 3);
    mp_put_bin(&b, prov.data, prov.len);
    mp_put_bin(&b, spec1.data, spec1.len);
    mp_put_bin(&b, spec2.data, spec2.len);
    req_send(w, &b, &r);
    expect_ok(&r);
    assert_int_equal(get_uint(r.result, "first_seq"), 1);
    assert_int_equal(get_uint(r.result, "last_seq"), 3);
    assert_int_equal(get_uint(r.result, "count"), 3);
    assert_int_equal(get_bin(r.result, "id").len, PROTO_ID_BYTES);
    req_start(&b, "record", 2);
    mp_put_cstr(&b, "spec");
    mp_put_cstr(&b, "DE:vhs/mc-2");
    req_send(w, &b, &r);
    expect_ok(&r);
    assert_int_equal(get_uint(r.result, "seq"), 3);
    /* A later batch's spec finds its provider on the log. */
    req_start(&b, "publish.batch", 2);
    mp_put_array(&b, 1);
    mp_put_cstr(&b, "spec");
    mp_put_array(&b, 1);
    mp_put_bin(&b, spec1.data, spec1.len);
    req_send(w, &b, &r);
    expect_ok(&r);
    assert_int_equal(get_uint(r.result, "first_seq"), 4);
    mp_buf_free(&prov);
    mp_buf_free(&spec1);
    mp_buf_free(&spec2);
    mp_buf_free(&bad);
}

/* The options parameter (PROTOCOL.md 12.5): its refusals, a witnessed bundle asked of a node
 * without checkpoints, checkpoint.get before the first, and a signed answer that verifies and
 * holds the method, the params as sent and the result. */
static void test_options(void **state)
{
    world *w = *state;
    reply r;
    mp_buf b;

    /* An unknown key, a key twice, a wrong type, witnessed out of bounds or on a method
     * without a proof bundle. */
    static const struct {
        const char *key;
        int code;
        const char *field;
    } bad[] = { { "sign", RN_EUNKNOWNFIELD, "options" },
                { "witnessed0", RN_ECOUNT, "options.witnessed" },
                { "witnessed65", RN_ECOUNT, "options.witnessed" },
                { "signedx", RN_ETYPE, "options.signed" },
                { "signed2", RN_EFIELDORDER, "options.signed" } };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        req_start(&b, "recognise", 6);
        mp_put_cstr(&b, PF_SPEC_ID);
        mp_put_cstr(&b, "FR");
        mp_put_cstr(&b, "further_study");
        mp_put_nil(&b);
        mp_put_nil(&b);
        const char *k = bad[i].key;
        if (strcmp(k, "sign") == 0) {
            mp_put_map(&b, 1);
            mp_put_cstr(&b, "sign");
            mp_put_bool(&b, true);
        } else if (strncmp(k, "witnessed", 9) == 0) {
            mp_put_map(&b, 1);
            mp_put_cstr(&b, "witnessed");
            mp_put_uint(&b, strcmp(k, "witnessed0") == 0 ? 0u : 65u);
        } else if (strcmp(k, "signedx") == 0) {
            mp_put_map(&b, 1);
            mp_put_cstr(&b, "signed");
            mp_put_uint(&b, 1);
        } else {
            mp_put_map(&b, 2);
            mp_put_cstr(&b, "signed");
            mp_put_bool(&b, true);
            mp_put_cstr(&b, "signed");
            mp_put_bool(&b, true);
        }
        req_send(w, &b, &r);
        expect_err(&r, bad[i].code, bad[i].field);
    }
    req_start(&b, "search", 6);
    for (int i = 0; i < 5; i++)
        mp_put_nil(&b);
    mp_put_map(&b, 1);
    mp_put_cstr(&b, "witnessed");
    mp_put_uint(&b, 1);
    req_send(w, &b, &r);
    expect_err(&r, RN_EINVAL, "options.witnessed");

    /* No checkpoint yet: none to attach, none to show. */
    req_start(&b, "recognise", 6);
    mp_put_cstr(&b, PF_SPEC_ID);
    mp_put_cstr(&b, "FR");
    mp_put_cstr(&b, "further_study");
    mp_put_uint(&b, NOW);
    mp_put_nil(&b);
    mp_put_map(&b, 1);
    mp_put_cstr(&b, "witnessed");
    mp_put_uint(&b, 1);
    req_send(w, &b, &r);
    expect_err(&r, RN_EWITNESS, "options.witnessed");
    assert_non_null(strstr(r.message, "have 0"));
    req_start(&b, "checkpoint.get", 0);
    req_send(w, &b, &r);
    expect_err(&r, RN_ENOTFOUND, NULL);

    /* A signed answer: a bin that decodes and verifies, signed by the node, answering what the
     * request asked. */
    req_start(&b, "heads", 1);
    mp_put_map(&b, 1);
    mp_put_cstr(&b, "signed");
    mp_put_bool(&b, true);
    req_send(w, &b, &r);
    expect_ok(&r);
    const uint8_t *bin;
    uint32_t n;
    assert_int_equal(mp_read_bin(&r.result, &bin, &n), 0);
    proto_signed_answer sa;
    assert_int_equal(proto_answer_decode(&sa, bin, n, NULL), 0);
    assert_int_equal(proto_answer_verify(&sa, &w->s.roster, NULL), 0);
    assert_memory_equal(sa.signer, node_self(w->n)->key, PROTO_KEY_BYTES);
    assert_int_equal(sa.time_ms, NOW);
    mp_cur a, v;
    const uint8_t *str;
    uint32_t len;
    mp_cur_init(&a, sa.answer, sa.answer_len);
    uint32_t keys;
    assert_int_equal(mp_read_map(&a, &keys), 0);
    assert_int_equal(keys, 3);
    assert_int_equal(mp_read_str(&a, &str, &len), 0);
    assert_int_equal(mp_read_str(&a, &str, &len), 0);
    assert_int_equal(len, 5);
    assert_memory_equal(str, "heads", 5);
    assert_int_equal(mp_read_str(&a, &str, &len), 0);
    v = a;
    assert_int_equal(mp_read_array(&v, &keys), 0);
    assert_int_equal(keys, 1); /* the params as sent */
    /* One byte changed and it no longer verifies. */
    uint8_t *copy = malloc(n);
    assert_non_null(copy);
    memcpy(copy, bin, n);
    copy[n / 2] ^= 1u;
    if (proto_answer_decode(&sa, copy, n, NULL) == 0)
        assert_int_not_equal(proto_answer_verify(&sa, &w->s.roster, NULL), 0);
    free(copy);
}

static void test_recognise(void **state)
{
    world *w = *state;
    reply r;
    mp_buf b;
    char s[64];

    req_start(&b, "recognise", 4);
    mp_put_cstr(&b, PF_SPEC_ID);
    mp_put_cstr(&b, "FR");
    mp_put_cstr(&b, "further_study");
    mp_put_uint(&b, NOW);
    req_send(w, &b, &r);
    expect_ok(&r);
    get_str(r.result, "result", s, sizeof(s));
    assert_string_equal(s, "decision");
    get_str(r.result, "outcome", s, sizeof(s));
    assert_string_equal(s, "full");
    get_str(r.result, "basis_id", s, sizeof(s));
    assert_string_equal(s, "FR:dec/2024-0042");
    mp_cur basis = get(r.result, "basis");
    assert_memory_equal(get_bin(basis, "author").ptr, w->pf.fr.pk, 32);
    assert_int_equal(get_uint(basis, "seq"), 1);
    get_str(r.result, "provider_id", s, sizeof(s));
    assert_string_equal(s, PF_PROVIDER_ID);
    assert_false(get_bool(r.result, "forked"));
    assert_int_equal(get_uint(r.result, "at"), NOW);
    proto_str proof = get_bin(r.result, "proof");
    proto_proof p;
    assert_int_equal(proto_proof_verify(proof.ptr, proof.len, &w->s.roster, &p, NULL), 0);
    assert_int_equal(p.answer.result, PROTO_RESULT_DECISION);
    /* The terms of the decision, the spec's and provider's names, and their statuses. */
    get_str(r.result, "spec_status", s, sizeof(s));
    assert_string_equal(s, "active");
    get_str(r.result, "provider_status", s, sizeof(s));
    assert_string_equal(s, "active");
    get_str(r.result, "provider_name", s, sizeof(s));
    assert_string_equal(s, "University of Zed");
    get_str(get(r.result, "spec_title"), "en", s, sizeof(s));
    assert_string_equal(s, "Digital micro-credential creation");
    assert_int_equal(get_uint(r.result, "spec_ects_centi"), 200);
    assert_int_equal(get_uint(r.result, "spec_eqf"), 6);
    assert_int_equal(get_uint(r.result, "ects_centi"), 200);
    assert_int_equal(get_uint(r.result, "eqf"), 6);
    assert_int_equal(get_uint(r.result, "valid_from"), PF_T_2024_09_01);
    assert_int_equal(get_uint(r.result, "valid_until"), PF_T_2027_09_01);
    char appeal[128];
    get_str(r.result, "appeal", appeal, sizeof(appeal));
    assert_string_equal(appeal,
                        "Recours gracieux auprès du centre ENIC-NARIC France sous deux mois.");
    assert_true(is_nil(r.result, "differences"));
    assert_true(is_nil(r.result, "conditions"));
    assert_true(is_nil(r.result, "supersedes"));
    assert_int_equal(get_uint(get(r.result, "provider"), "seq"), 1);
    assert_int_equal(get_uint(r.result, "valid_at"), NOW); /* nil: the time known at */

    /* Valid at a time before the decision's validity, as known now: the policy answers, and the
     * bundle says which valid time it answers. A valid_at of another type, or past the last
     * time. */
    req_start(&b, "recognise", 5);
    mp_put_cstr(&b, PF_SPEC_ID);
    mp_put_cstr(&b, "FR");
    mp_put_cstr(&b, "further_study");
    mp_put_uint(&b, NOW);
    mp_put_uint(&b, PF_T_2024_09_01 - 1);
    req_send(w, &b, &r);
    expect_ok(&r);
    get_str(r.result, "result", s, sizeof(s));
    assert_string_equal(s, "automatic");
    assert_int_equal(get_uint(r.result, "at"), NOW);
    assert_int_equal(get_uint(r.result, "valid_at"), PF_T_2024_09_01 - 1);
    proof = get_bin(r.result, "proof");
    assert_int_equal(proto_proof_verify(proof.ptr, proof.len, &w->s.roster, &p, NULL), 0);
    assert_true(p.query.has_valid_at);
    assert_int_equal(p.query.valid_at_ms, PF_T_2024_09_01 - 1);
    req_start(&b, "recognise", 5);
    mp_put_cstr(&b, PF_SPEC_ID);
    mp_put_cstr(&b, "FR");
    mp_put_cstr(&b, "further_study");
    mp_put_nil(&b);
    mp_put_cstr(&b, "2024-01-01");
    req_send(w, &b, &r);
    expect_err(&r, RN_ETYPE, "valid_at");
    req_start(&b, "recognise", 5);
    mp_put_cstr(&b, PF_SPEC_ID);
    mp_put_cstr(&b, "FR");
    mp_put_cstr(&b, "further_study");
    mp_put_nil(&b);
    mp_put_uint(&b, RN_TIME_MS_MAX + 1);
    req_send(w, &b, &r);
    expect_err(&r, RN_ETIME, "valid_at");

    /* A policy answers for employment in France: its validity, no decision terms. */
    req_start(&b, "recognise", 4);
    mp_put_cstr(&b, PF_SPEC_ID);
    mp_put_cstr(&b, "FR");
    mp_put_cstr(&b, "both");
    mp_put_uint(&b, NOW);
    req_send(w, &b, &r);
    expect_ok(&r);
    get_str(r.result, "result", s, sizeof(s));
    assert_string_equal(s, "automatic");
    assert_int_equal(get_uint(r.result, "valid_from"), PF_T_2024_01_01);
    assert_true(is_nil(r.result, "valid_until"));
    assert_true(is_nil(r.result, "ects_centi"));
    assert_true(is_nil(r.result, "appeal"));

    /* The spec is withdrawn in 2025: still answered, and said so. */
    proto_record wd = pf_spec_record(PF_SPEC_ID);
    wd.u.spec.status = PROTO_STATUS_WITHDRAWN;
    pf_entry e;
    pf_sign(&w->pf.ie, PF_T_2025_01_01_CT, &wd, &e);
    const pf_entry *ep[] = { &e };
    ingest(w, ep, 1);
    req_start(&b, "recognise", 4);
    mp_put_cstr(&b, PF_SPEC_ID);
    mp_put_cstr(&b, "FR");
    mp_put_cstr(&b, "further_study");
    mp_put_uint(&b, NOW);
    req_send(w, &b, &r);
    expect_ok(&r);
    get_str(r.result, "outcome", s, sizeof(s));
    assert_string_equal(s, "full");
    get_str(r.result, "spec_status", s, sizeof(s));
    assert_string_equal(s, "withdrawn");

    /* at nil is now; no decision for Germany; "EL" is Greece, which has no authority here. */
    req_start(&b, "recognise", 4);
    mp_put_cstr(&b, PF_SPEC_ID);
    mp_put_cstr(&b, "DE");
    mp_put_cstr(&b, "employment");
    mp_put_nil(&b);
    req_send(w, &b, &r);
    expect_ok(&r);
    get_str(r.result, "result", s, sizeof(s));
    assert_string_equal(s, "no_decision");
    assert_true(is_nil(r.result, "outcome"));
    assert_true(is_nil(r.result, "basis"));
    assert_true(is_nil(r.result, "valid_from"));
    assert_true(is_nil(r.result, "conditions"));
    assert_int_equal(get_uint(r.result, "at"), NOW);

    static const struct {
        const char *spec, *cc, *purpose;
        int code;
        const char *field;
    } bad[] = {
        { "IE:resa/nope", "FR", "both", RN_ENOTFOUND, "spec" },
        { "nope", "FR", "both", RN_EID, "spec" },
        { PF_SPEC_ID, "XX", "both", RN_ECOUNTRY, "country" },
        { PF_SPEC_ID, "FRA", "both", RN_ECOUNTRY, "country" },
        { PF_SPEC_ID, "EL", "both", RN_ECOUNTRY, "country" },
        { PF_SPEC_ID, "FR", "leisure", RN_EENUM, "purpose" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        req_start(&b, "recognise", 3);
        mp_put_cstr(&b, bad[i].spec);
        mp_put_cstr(&b, bad[i].cc);
        mp_put_cstr(&b, bad[i].purpose);
        req_send(w, &b, &r);
        expect_err(&r, bad[i].code, bad[i].field);
    }
    req_start(&b, "recognise", 4);
    mp_put_cstr(&b, PF_SPEC_ID);
    mp_put_cstr(&b, "FR");
    mp_put_cstr(&b, "both");
    mp_put_uint(&b, RN_TIME_MS_MAX + 1);
    req_send(w, &b, &r);
    expect_err(&r, RN_ETIME, "at");
}

static void test_search(void **state)
{
    world *w = *state;
    reply r;
    mp_buf b;
    uint32_t n;
    char s[64];

    req_start(&b, "search", 1);
    mp_put_map(&b, 3);
    mp_put_cstr(&b, "country");
    mp_put_cstr(&b, "IE");
    mp_put_cstr(&b, "eqf_min");
    mp_put_uint(&b, 6);
    mp_put_cstr(&b, "text");
    mp_put_cstr(&b, "micro-CREDENTIAL");
    req_send(w, &b, &r);
    expect_ok(&r);
    mp_cur h = get(r.result, "hits");
    assert_int_equal(mp_read_array(&h, &n), 0);
    assert_int_equal(n, 1);
    get_str(h, "spec_id", s, sizeof(s));
    assert_string_equal(s, PF_SPEC_ID);
    assert_int_equal(get_uint(get(h, "entry"), "seq"), 2);
    get_str(h, "title", s, sizeof(s));
    assert_string_equal(s, "Digital micro-credential creation");
    assert_int_equal(get_uint(h, "ects_centi"), 200);
    assert_int_equal(get_uint(h, "eqf"), 6);
    get_str(h, "provider_id", s, sizeof(s));
    assert_string_equal(s, PF_PROVIDER_ID);
    get_str(h, "provider_name", s, sizeof(s));
    assert_string_equal(s, "University of Zed");
    get_str(h, "provider_status", s, sizeof(s));
    assert_string_equal(s, "active");
    assert_false(get_bool(r.result, "more"));

    /* nil filter, paging with after and limit. */
    req_start(&b, "search", 4);
    mp_put_nil(&b);
    mp_put_nil(&b);
    mp_put_cstr(&b, PF_SPEC_ID);
    mp_put_uint(&b, 5);
    req_send(w, &b, &r);
    expect_ok(&r);
    h = get(r.result, "hits");
    assert_int_equal(mp_read_array(&h, &n), 0);
    assert_int_equal(n, 0);

    req_start(&b, "search", 1);
    mp_put_map(&b, 1);
    mp_put_cstr(&b, "colour");
    mp_put_cstr(&b, "blue");
    req_send(w, &b, &r);
    expect_err(&r, RN_EUNKNOWNFIELD, "filter.colour");

    req_start(&b, "search", 1);
    mp_put_map(&b, 1);
    mp_put_cstr(&b, "eqf_min");
    mp_put_cstr(&b, "6");
    req_send(w, &b, &r);
    expect_err(&r, RN_ETYPE, "filter.eqf_min");

    req_start(&b, "search", 1);
    mp_put_map(&b, 2);
    mp_put_cstr(&b, "eqf_min");
    mp_put_uint(&b, 7);
    mp_put_cstr(&b, "eqf_max");
    mp_put_uint(&b, 5);
    req_send(w, &b, &r);
    expect_err(&r, RN_EINCONSISTENT, "filter.eqf_max");

    req_start(&b, "search", 1);
    mp_put_map(&b, 2);
    mp_put_cstr(&b, "text");
    mp_put_cstr(&b, "a");
    mp_put_cstr(&b, "text");
    mp_put_cstr(&b, "b");
    req_send(w, &b, &r);
    expect_err(&r, RN_EFIELDORDER, "filter.text");

    req_start(&b, "search", 4);
    mp_put_nil(&b);
    mp_put_nil(&b);
    mp_put_nil(&b);
    mp_put_uint(&b, 0);
    req_send(w, &b, &r);
    expect_err(&r, RN_EINVAL, "limit");

    req_start(&b, "search", 4);
    mp_put_nil(&b);
    mp_put_nil(&b);
    mp_put_nil(&b);
    mp_put_uint(&b, RN_SEARCH_RESULTS_MAX + 1);
    req_send(w, &b, &r);
    expect_err(&r, RN_EINVAL, "limit");
}

static void put_claim(mp_buf *b, world *w, const char *spec, uint64_t issued)
{
    mp_put_map(b, 4);
    mp_put_cstr(b, "credential");
    mp_put_bin(b, w->pf.credential, 32);
    mp_put_cstr(b, "spec");
    mp_put_cstr(b, spec);
    mp_put_cstr(b, "issued_at");
    mp_put_uint(b, issued);
    mp_put_cstr(b, "issuer_key");
    mp_put_bin(b, w->pf.ie.pk, 32);
}

static void test_verify(void **state)
{
    world *w = *state;
    reply r;
    mp_buf b;

    req_start(&b, "verify", 3);
    put_claim(&b, w, PF_SPEC_ID, PF_T_2024_01_01);
    mp_put_cstr(&b, "FR");
    mp_put_cstr(&b, "further_study");
    req_send(w, &b, &r);
    expect_ok(&r);
    /* The provider lists no issuer key, and the credential was revoked on 2024-06-01. */
    assert_false(get_bool(r.result, "valid"));
    assert_true(get_bool(r.result, "spec_ok"));
    assert_false(get_bool(r.result, "issuer_ok"));
    assert_true(get_bool(r.result, "revoked"));
    assert_int_equal(get_uint(get(r.result, "revocation"), "seq"), 3);
    char s[64];
    get_str(r.result, "issuer_reason", s, sizeof(s));
    assert_string_equal(s, "key_unknown");
    get_str(r.result, "spec_reason", s, sizeof(s));
    assert_string_equal(s, "ok");
    assert_int_equal(get_uint(get(r.result, "spec_at_issue"), "seq"), 2);
    assert_int_equal(get_uint(get(r.result, "issuer_provider"), "seq"), 1);
    get_str(r.result, "issuer_provider_id", s, sizeof(s));
    assert_string_equal(s, PF_PROVIDER_ID);
    mp_cur rec = get(r.result, "recognition");
    get_str(rec, "provider_name", s, sizeof(s));
    assert_string_equal(s, "University of Zed");
    get_str(rec, "provider_status", s, sizeof(s));
    assert_string_equal(s, "active");
    get_str(rec, "result", s, sizeof(s));
    assert_string_equal(s, "decision");
    proto_str proof = get_bin(r.result, "proof");
    proto_proof p;
    assert_int_equal(proto_proof_verify(proof.ptr, proof.len, &w->s.roster, &p, NULL), 0);
    assert_true(p.answer.has_revoked && p.answer.revoked);
    mp_cur retro = get(r.result, "registered_retroactively");
    assert_true(is_nil(retro, "spec_registered"));
    assert_true(is_nil(retro, "issuer_key_registered"));
    assert_int_equal(get_uint(r.result, "valid_at"), get_uint(r.result, "at"));

    /* Issued the day the provider was registered, before the spec's entry (within its dates):
     * the spec was registered retroactively, and the answer says when. */
    req_start(&b, "verify", 3);
    put_claim(&b, w, PF_SPEC_ID, PF_T_2023_01_02);
    mp_put_cstr(&b, "FR");
    mp_put_cstr(&b, "further_study");
    req_send(w, &b, &r);
    expect_ok(&r);
    assert_true(get_bool(r.result, "spec_ok"));
    retro = get(r.result, "registered_retroactively");
    assert_int_equal(get_uint(retro, "spec_registered"), PF_T_2023_01_02 + PF_DAY_MS);
    assert_true(is_nil(retro, "issuer_key_registered"));

    req_start(&b, "verify", 3);
    mp_put_map(&b, 1);
    mp_put_cstr(&b, "spec");
    mp_put_cstr(&b, PF_SPEC_ID);
    mp_put_cstr(&b, "FR");
    mp_put_cstr(&b, "both");
    req_send(w, &b, &r);
    expect_err(&r, RN_EMISSING, "claim.issuer_key");

    req_start(&b, "verify", 3);
    mp_put_map(&b, 1);
    mp_put_cstr(&b, "credential");
    mp_put_bin(&b, "short", 5);
    mp_put_cstr(&b, "FR");
    mp_put_cstr(&b, "both");
    req_send(w, &b, &r);
    expect_err(&r, RN_ELEN, "claim.credential");

    req_start(&b, "verify", 3);
    mp_put_map(&b, 1);
    mp_put_cstr(&b, "holder");
    mp_put_cstr(&b, "Jane");
    mp_put_cstr(&b, "FR");
    mp_put_cstr(&b, "both");
    req_send(w, &b, &r);
    expect_err(&r, RN_EUNKNOWNFIELD, "claim.holder");

    req_start(&b, "verify", 3);
    put_claim(&b, w, "IE:resa/none", PF_T_2024_01_01);
    mp_put_cstr(&b, "FR");
    mp_put_cstr(&b, "both");
    req_send(w, &b, &r);
    expect_err(&r, RN_ENOTFOUND, "claim.spec");
}

static void test_stack(void **state)
{
    world *w = *state;
    reply r;
    mp_buf b, body;
    proto_record rec;
    char s[64];

    req_start(&b, "stack", 3);
    mp_put_cstr(&b, "DE");
    mp_put_cstr(&b, "DE:kmk/pathway-digital");
    mp_put_array(&b, 0);
    req_send(w, &b, &r);
    expect_err(&r, RN_ENOTFOUND, "pathway");

    /* Germany publishes a pathway that takes the Irish spec as eligible. */
    memset(&rec, 0, sizeof(rec));
    rec.kind = PROTO_KIND_PATHWAY;
    rec.u.pathway.id = proto_str_c("DE:kmk/pathway-digital");
    rec.u.pathway.title_n = 1;
    rec.u.pathway.title[0] = (proto_lang_text){ proto_str_c("de"), proto_str_c("Digitales") };
    rec.u.pathway.eqf = 6;
    rec.u.pathway.ects_min_centi = 200;
    rec.u.pathway.eligible_n = 1;
    rec.u.pathway.eligible[0] = proto_str_c(PF_SPEC_ID);
    rec.u.pathway.valid_from_ms = PF_T_2024_01_01;
    rec.u.pathway.status = PROTO_STATUS_ACTIVE;
    body_of(&rec, &body);
    req_start(&b, "pathway.publish", 1);
    mp_put_bin(&b, body.data, body.len);
    req_send(w, &b, &r);
    expect_ok(&r);
    mp_buf_free(&body);

    req_start(&b, "stack", 4);
    mp_put_cstr(&b, "DE");
    mp_put_cstr(&b, "DE:kmk/pathway-digital");
    mp_put_array(&b, 3);
    mp_put_cstr(&b, PF_SPEC_ID);
    mp_put_cstr(&b, "IE:resa/unknown");
    mp_put_cstr(&b, PF_SPEC_ID);
    mp_put_nil(&b);
    req_send(w, &b, &r);
    expect_ok(&r);
    assert_true(get_bool(r.result, "complete"));
    assert_true(get_bool(r.result, "active"));
    assert_int_equal(get_uint(r.result, "total_ects_centi"), 200);
    assert_int_equal(get_uint(r.result, "ects_min_centi"), 200);
    mp_cur items = get(r.result, "items");
    uint32_t n;
    assert_int_equal(mp_read_array(&items, &n), 0);
    assert_int_equal(n, 3);
    get_str(items, "status", s, sizeof(s));
    assert_string_equal(s, "eligible");
    assert_int_equal(mp_skip(&items), 0);
    get_str(items, "status", s, sizeof(s));
    assert_string_equal(s, "unknown");
    assert_int_equal(mp_skip(&items), 0);
    assert_true(get_bool(items, "duplicate"));

    /* The Irish spec is withdrawn in 2025: it no longer counts. */
    proto_record wd = pf_spec_record(PF_SPEC_ID);
    wd.u.spec.status = PROTO_STATUS_WITHDRAWN;
    pf_entry e;
    pf_sign(&w->pf.ie, PF_T_2025_01_01_CT, &wd, &e);
    const pf_entry *ep[] = { &e };
    ingest(w, ep, 1);
    req_start(&b, "stack", 3);
    mp_put_cstr(&b, "DE");
    mp_put_cstr(&b, "DE:kmk/pathway-digital");
    mp_put_array(&b, 1);
    mp_put_cstr(&b, PF_SPEC_ID);
    req_send(w, &b, &r);
    expect_ok(&r);
    assert_false(get_bool(r.result, "complete"));
    assert_int_equal(get_uint(r.result, "total_ects_centi"), 0);
    items = get(r.result, "items");
    assert_int_equal(mp_read_array(&items, &n), 0);
    get_str(items, "status", s, sizeof(s));
    assert_string_equal(s, "withdrawn");
    assert_false(get_bool(items, "counted"));

    req_start(&b, "stack", 3);
    mp_put_cstr(&b, "DE");
    mp_put_cstr(&b, "DE:kmk/pathway-digital");
    mp_put_array(&b, 1);
    mp_put_uint(&b, 7);
    req_send(w, &b, &r);
    expect_err(&r, RN_ETYPE, "specs");
    assert_true(r.has_index);

    req_start(&b, "stack", 3);
    mp_put_cstr(&b, "DE");
    mp_put_cstr(&b, "DE:kmk/pathway-digital");
    mp_put_array(&b, RN_STACK_SPECS_MAX + 1);
    for (unsigned i = 0; i <= RN_STACK_SPECS_MAX; i++)
        mp_put_cstr(&b, PF_SPEC_ID);
    req_send(w, &b, &r);
    expect_err(&r, RN_ECOUNT, "specs");

    req_start(&b, "stack", 3);
    mp_put_cstr(&b, "FR");
    mp_put_cstr(&b, "DE:kmk/pathway-digital");
    mp_put_array(&b, 0);
    req_send(w, &b, &r);
    expect_err(&r, RN_EPREFIX, "pathway");
}

/* ---- Malformed requests ---- */

static void test_malformed(void **state)
{
    world *w = *state;
    reply r;
    mp_buf b;

    /* Nothing at all, and not an array. */
    assert_int_equal(send_raw(w, (const uint8_t *)"", 0, &r), 0);
    expect_err(&r, RN_ETRUNCATED, "request");
    assert_int_equal(r.msgid, 0);
    assert_int_equal(send_raw(w, (const uint8_t *)"\x80", 1, &r), 0);
    expect_err(&r, RN_ETYPE, "request");
    assert_int_equal(send_raw(w, (const uint8_t *)"\xc1", 1, &r), 0);
    expect_err(&r, RN_EMALFORMED, "request");

    /* A notification [2, method, params] and a response [1, ...] are not requests. */
    assert_int_equal(send_raw(w, (const uint8_t *)"\x93\x02\xa6status\x90", 10, &r), 0);
    expect_err(&r, RN_ECOUNT, "request");
    assert_int_equal(send_raw(w, (const uint8_t *)"\x94\x01\x07\xa6status\x90", 11, &r), 0);
    expect_err(&r, RN_EINVAL, "request.type");

    /* A msgid that is not an unsigned 32-bit integer; a non-canonical one. */
    assert_int_equal(send_raw(w, (const uint8_t *)"\x94\x00\xa1x\xa6status\x90", 12, &r), 0);
    expect_err(&r, RN_ETYPE, "request.msgid");
    assert_int_equal(
        send_raw(w, (const uint8_t *)"\x94\x00\xcf\x00\x00\x00\x01\x00\x00\x00\x00\xa6status\x90",
                 19, &r),
        0);
    expect_err(&r, RN_EINVAL, "request.msgid");
    assert_int_equal(send_raw(w, (const uint8_t *)"\x94\x00\xcc\x05\xa6status\x90", 12, &r), 0);
    expect_err(&r, RN_ENONCANON, "request.msgid");

    /* The msgid comes back once it could be read. */
    assert_int_equal(send_raw(w, (const uint8_t *)"\x94\x00\x09\x07\x90", 5, &r), 0);
    expect_err(&r, RN_ETYPE, "request.method");
    assert_int_equal(r.msgid, 9);

    /* Unknown method: named in the message. */
    req_start(&b, "recognize", 0);
    req_send(w, &b, &r);
    expect_err(&r, RN_EINVAL, "request.method");
    assert_non_null(strstr(r.message, "\"recognize\""));

    /* Params not an array; wrong counts; wrong types. */
    assert_int_equal(send_raw(w, (const uint8_t *)"\x94\x00\x01\xa6status\x80", 11, &r), 0);
    expect_err(&r, RN_ETYPE, "request.params");
    req_start(&b, "status", 1);
    mp_put_nil(&b);
    req_send(w, &b, &r);
    expect_err(&r, RN_ECOUNT, "request.params");
    req_start(&b, "recognise", 2);
    mp_put_cstr(&b, PF_SPEC_ID);
    mp_put_cstr(&b, "FR");
    req_send(w, &b, &r);
    expect_err(&r, RN_ECOUNT, "request.params");
    req_start(&b, "recognise", 7);
    for (int i = 0; i < 7; i++)
        mp_put_nil(&b);
    req_send(w, &b, &r);
    expect_err(&r, RN_ECOUNT, "request.params");
    req_start(&b, "recognise", 3);
    mp_put_cstr(&b, PF_SPEC_ID);
    mp_put_uint(&b, 33);
    mp_put_cstr(&b, "both");
    req_send(w, &b, &r);
    expect_err(&r, RN_ETYPE, "country");
    req_start(&b, "publish", 2);
    mp_put_cstr(&b, "spec");
    mp_put_cstr(&b, "not a bin");
    req_send(w, &b, &r);
    expect_err(&r, RN_ETYPE, "body");

    /* A parameter that is not canonical MessagePack. */
    assert_int_equal(
        send_raw(w, (const uint8_t *)"\x94\x00\x01\xa3log\x92\xc4\x00\xcd\x00\x01", 13, &r), 0);
    expect_err(&r, RN_ENONCANON, "from_seq");

    /* Bytes after the request. */
    assert_int_equal(send_raw(w, (const uint8_t *)"\x94\x00\x01\xa6status\x90\x00", 12, &r), 0);
    expect_err(&r, RN_ETRAILING, "request");

    /* Every truncation of a valid request gets an error, never a crash. */
    req_start(&b, "recognise", 4);
    mp_put_cstr(&b, PF_SPEC_ID);
    mp_put_cstr(&b, "FR");
    mp_put_cstr(&b, "further_study");
    mp_put_uint(&b, NOW);
    for (size_t len = 0; len < b.len; len++) {
        uint8_t *copy = malloc(len + 1);
        memcpy(copy, b.data, len);
        assert_int_equal(send_raw(w, copy, len, &r), 0);
        expect_err(&r, RN_ETRUNCATED, NULL);
        free(copy);
    }
    mp_buf_free(&b);

    /* Oversized: one byte past the bound, refused before it is read. */
    size_t big = RN_CONTROL_REQUEST_BYTES_MAX + 1u;
    uint8_t *huge = calloc(1, big);
    assert_int_equal(send_raw(w, huge, big, &r), 0);
    expect_err(&r, RN_ETOOBIG, "request");
    /* At the bound: a request of exactly the maximum is read (and this one is a bad publish). */
    mp_buf_init(&b, RN_CONTROL_REQUEST_BYTES_MAX);
    mp_put_array(&b, 4);
    mp_put_uint(&b, 0);
    mp_put_uint(&b, 3);
    mp_put_cstr(&b, "spec.publish");
    mp_put_array(&b, 1);
    size_t room = RN_CONTROL_REQUEST_BYTES_MAX - b.len - 5u;
    mp_put_bin(&b, huge, room);
    assert_int_equal(b.len, RN_CONTROL_REQUEST_BYTES_MAX);
    assert_int_equal(send_raw(w, b.data, b.len, &r), 0);
    expect_err(&r, RN_ETOOBIG, NULL);
    assert_int_equal(r.msgid, 3);
    mp_buf_free(&b);
    free(huge);

    /* Deeply nested parameters. */
    uint8_t deep[64];
    size_t dl = 0;
    memcpy(deep, "\x94\x00\x01\xa6search\x91", 11);
    dl = 11;
    for (int i = 0; i < 20; i++)
        deep[dl++] = 0x91;
    deep[dl++] = 0xc0;
    assert_int_equal(send_raw(w, deep, dl, &r), 0);
    assert_true(r.error);
}

/* The request envelope exactly as PROTOCOL.md sections 1 and 12.1 specify it: a float, a negative
 * integer or an extension anywhere is RN_EMALFORMED (not a wrong type); the msgid range; the
 * depth bound counted from the request array; a key that is not a valid Ed25519 point. */
static void test_envelope_as_specified(void **state)
{
    world *w = *state;
    reply r;
    mp_buf b;
    static const uint8_t f64[9] = { 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0 }; /* 1.5 */
    static const uint8_t f32[5] = { 0xca, 0x3f, 0xc0, 0, 0 };             /* 1.5 */

    /* A float where a parameter goes, of either width, first or last: RN_EMALFORMED, naming the
     * parameter, with the msgid echoed. */
    for (int k = 0; k < 2; k++) {
        req_start(&b, "recognise", 4);
        mp_put_cstr(&b, PF_SPEC_ID);
        mp_put_cstr(&b, "FR");
        mp_put_cstr(&b, "further_study");
        mp_buf_raw(&b, k == 0 ? f64 : f32, k == 0 ? sizeof(f64) : sizeof(f32));
        req_send(w, &b, &r);
        expect_err(&r, RN_EMALFORMED, "at");
    }
    req_start(&b, "entry", 1);
    mp_buf_raw(&b, f64, sizeof(f64));
    req_send(w, &b, &r);
    expect_err(&r, RN_EMALFORMED, "id");
    /* A negative integer and an extension type, likewise. */
    req_start(&b, "log", 2);
    mp_put_bin(&b, w->pf.ie.pk, 32);
    mp_buf_raw(&b, "\xff", 1); /* -1 */
    req_send(w, &b, &r);
    expect_err(&r, RN_EMALFORMED, "from_seq");
    req_start(&b, "log", 2);
    mp_put_bin(&b, w->pf.ie.pk, 32);
    mp_buf_raw(&b, "\xd4\x01\x00", 3); /* fixext1 */
    req_send(w, &b, &r);
    expect_err(&r, RN_EMALFORMED, "from_seq");
    /* Inside a parameter: a float as a filter value. */
    req_start(&b, "search", 1);
    mp_put_map(&b, 1);
    mp_put_cstr(&b, "eqf_min");
    mp_buf_raw(&b, f64, sizeof(f64));
    req_send(w, &b, &r);
    expect_err(&r, RN_EMALFORMED, "filter");
    /* In the envelope itself. */
    assert_int_equal(
        send_raw(w, (const uint8_t *)"\x94\xca\x00\x00\x00\x00\x00\xa6status\x90", 15, &r), 0);
    expect_err(&r, RN_EMALFORMED, "request.type");
    assert_int_equal(
        send_raw(w, (const uint8_t *)"\x94\x00\xca\x00\x00\x00\x00\xa6status\x90", 15, &r), 0);
    expect_err(&r, RN_EMALFORMED, "request.msgid");
    assert_int_equal(r.msgid, 0);
    assert_int_equal(send_raw(w, (const uint8_t *)"\x94\x00\x05\xca\x00\x00\x00\x00\x90", 9, &r),
                     0);
    expect_err(&r, RN_EMALFORMED, "request.method");
    assert_int_equal(r.msgid, 5);
    assert_int_equal(
        send_raw(w, (const uint8_t *)"\x94\x00\x05\xa6status\xca\x00\x00\x00\x00", 15, &r), 0);
    expect_err(&r, RN_EMALFORMED, "request.params");

    /* msgid: 2^32 - 1 is echoed; 2^32 is RN_EINVAL, answered with msgid 0. */
    assert_int_equal(
        send_raw(w, (const uint8_t *)"\x94\x00\xce\xff\xff\xff\xff\xa6status\x90", 15, &r), 0);
    expect_ok(&r);
    assert_int_equal(r.msgid, UINT32_MAX);
    assert_int_equal(
        send_raw(w, (const uint8_t *)"\x94\x00\xcf\x00\x00\x00\x01\x00\x00\x00\x00\xa6status\x90",
                 19, &r),
        0);
    expect_err(&r, RN_EINVAL, "request.msgid");
    assert_int_equal(r.msgid, 0);

    /* Depth: the request array is at depth 0, params at 1, a parameter at 2. A value at depth 8
     * is read (this filter is then refused for its unknown key); one at depth 9 is RN_ETOOBIG,
     * naming the parameter, whatever the method would have said. */
    for (unsigned depth = 8; depth <= 10; depth++) {
        req_start(&b, "search", 1);
        mp_put_map(&b, 1); /* depth 2 */
        mp_put_cstr(&b, "x");
        for (unsigned dd = 3; dd < depth; dd++)
            mp_put_array(&b, 1);
        mp_put_nil(&b); /* at `depth` */
        req_send(w, &b, &r);
        if (depth <= 8)
            expect_err(&r, RN_EUNKNOWNFIELD, "filter.x");
        else
            expect_err(&r, RN_ETOOBIG, "filter");
    }

    /* A key that is not a valid Ed25519 public key, as bin: RN_EKEY like its text form. */
    uint8_t zero[32] = { 0 };
    req_start(&b, "log", 2);
    mp_put_bin(&b, zero, 32);
    mp_put_uint(&b, 1);
    req_send(w, &b, &r);
    expect_err(&r, RN_EKEY, "author");
    req_start(&b, "verify", 3);
    mp_put_map(&b, 4);
    mp_put_cstr(&b, "credential");
    mp_put_bin(&b, w->pf.credential, 32);
    mp_put_cstr(&b, "spec");
    mp_put_cstr(&b, PF_SPEC_ID);
    mp_put_cstr(&b, "issued_at");
    mp_put_uint(&b, PF_T_2024_01_01);
    mp_put_cstr(&b, "issuer_key");
    mp_put_bin(&b, zero, 32);
    mp_put_cstr(&b, "FR");
    mp_put_cstr(&b, "further_study");
    req_send(w, &b, &r);
    expect_err(&r, RN_EKEY, "claim.issuer_key");
}

static void test_random(void **state)
{
    world *w = *state;
    reply r;
    uint8_t buf[256];
    uint64_t x = TEST_RNG_GOLDEN;
    for (int i = 0; i < 20000; i++) {
        size_t len = (size_t)(x % sizeof(buf));
        for (size_t k = 0; k < len; k++)
            buf[k] = (uint8_t)test_xorshift64_next(&x);
        /* Half the time, a plausible request head. */
        if (i % 2 == 0 && len > 4) {
            buf[0] = 0x94;
            buf[1] = 0x00;
            buf[2] = 0x01;
        }
        (void)test_xorshift64_next(&x);
        assert_int_equal(send_raw(w, buf, len, &r), 0);
    }
}

static void test_response_bound(void **state)
{
    world *w = *state;
    mp_buf small;
    reply r;
    static const uint8_t status[] = "\x94\x00\x05\xa6status\x90";

    /* Room for the error but not for the status: the error replaces it. */
    mp_buf_init(&small, 120);
    assert_int_equal(node_control(w->n, status, sizeof(status) - 1, &small, NOW), RN_ETOOBIG);
    parse(small.data, small.len, &r);
    expect_err(&r, RN_ETOOBIG, NULL);
    assert_int_equal(r.msgid, 5);
    mp_buf_free(&small);

    /* Not even room for the error: nothing is written. */
    mp_buf_init(&small, 16);
    assert_int_equal(node_control(w->n, status, sizeof(status) - 1, &small, NOW), RN_ETOOBIG);
    assert_int_equal(small.len, 0);
    mp_buf_free(&small);

    /* A response is appended to what the buffer holds. */
    mp_buf_init(&small, RN_CONTROL_RESPONSE_BYTES_MAX);
    mp_put_nil(&small);
    assert_int_equal(node_control(w->n, status, sizeof(status) - 1, &small, NOW), 0);
    assert_int_equal(small.data[0], 0xc0);
    parse(small.data + 1, small.len - 1, &r);
    expect_ok(&r);
    mp_buf_free(&small);
}

/* ---- Disks (issue 10) ---- */

/* Flips one byte of the stored entry (author, seq), as bit rot would. */
static void damage(world *w, const uint8_t *author, uint64_t seq)
{
    MDB_txn *txn;
    MDB_val k, v;
    uint8_t loc[PROTO_KEY_BYTES + 8], copy_[RN_ENTRY_BYTES_MAX];
    memcpy(loc, author, PROTO_KEY_BYTES);
    for (unsigned i = 0; i < 8; i++)
        loc[PROTO_KEY_BYTES + i] = (uint8_t)(seq >> (56u - 8u * i));
    k = (MDB_val){ sizeof(loc), loc };
    assert_int_equal(mdb_txn_begin(w->s.priv->env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_get(txn, w->s.priv->dbi[STORE_DB_ENTRIES], &k, &v), 0);
    memcpy(copy_, v.mv_data, v.mv_size);
    copy_[v.mv_size - 40] ^= 0x01;
    v.mv_data = copy_;
    assert_int_equal(mdb_put(txn, w->s.priv->dbi[STORE_DB_ENTRIES], &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
}

/* status.disk and status.integrity, the check method, and a damaged entry that no answer uses. */
static void test_disk_status_check(void **state)
{
    world *w = *state;
    reply r;

    call0(w, "status", &r);
    expect_ok(&r);
    mp_cur d = get(r.result, "disk");
    assert_true(get_uint(d, "map_bytes") == RN_STORE_MAP_BYTES_DEFAULT);
    assert_true(get_uint(d, "used_bytes") > 0);
    assert_false(get_bool(d, "full"));
    assert_false(get_bool(d, "index_behind"));
    assert_true(is_nil(d, "index_error"));
    assert_true(is_nil(d, "writes_stopped"));
    mp_cur in = get(r.result, "integrity");
    assert_int_equal(get_uint(in, "errors"), 0);
    assert_true(is_nil(in, "damaged_author"));
    assert_true(is_nil(in, "damaged_seq"));

    call0(w, "check", &r);
    expect_ok(&r);
    assert_int_equal(get_uint(r.result, "authors"), 2);
    assert_int_equal(get_uint(r.result, "entries"), 9);

    /* France's decision (seq 1) damaged: check names it, recognise does not answer from it. */
    damage(w, w->pf.fr.pk, 1);
    call0(w, "check", &r);
    expect_err(&r, RN_ECORRUPT, "check");
    assert_non_null(strstr(r.message, "entry 1 of FR's log is damaged"));
    mp_buf b;
    req_start(&b, "recognise", 3);
    mp_put_cstr(&b, PF_SPEC_ID);
    mp_put_cstr(&b, "FR");
    mp_put_cstr(&b, "further_study");
    req_send(w, &b, &r);
    expect_err(&r, RN_ECORRUPT, NULL);
    call0(w, "status", &r);
    expect_ok(&r);
    in = get(r.result, "integrity");
    assert_true(get_uint(in, "errors") >= 2);
    assert_int_equal(get_uint(in, "damaged_seq"), 1);
    assert_int_equal(get_bin(in, "damaged_author").len, PROTO_KEY_BYTES);
    assert_memory_equal(get_bin(in, "damaged_author").ptr, w->pf.fr.pk, PROTO_KEY_BYTES);
}

/* A publish whose fsync fails answers RN_EIO; the next one too, with the reason, and the node
 * goes on (it used to trip an assertion on its cached head). */
static void test_publish_sync_fails(void **state)
{
    world *w = *state;
    reply r;
    mp_buf b, body;
    char s[128];
    proto_record rec = de_provider("DE:vhs");

    body_of(&rec, &body);
    w->s.test_fail_sync = 1;
    req_start(&b, "provider.publish", 1);
    mp_put_bin(&b, body.data, body.len);
    req_send(w, &b, &r);
    expect_err(&r, RN_EIO, "store.sync");
    for (int i = 0; i < 2; i++) {
        req_start(&b, "provider.publish", 1);
        mp_put_bin(&b, body.data, body.len);
        req_send(w, &b, &r);
        expect_err(&r, RN_EIO, "store.writes_stopped");
    }
    mp_buf_free(&body);
    call0(w, "status", &r);
    expect_ok(&r);
    assert_int_equal(get_uint(r.result, "seq"), 0);
    get_str(get(r.result, "disk"), "writes_stopped", s, sizeof(s));
    assert_string_equal(s, "Input/output error");
    call0(w, "check", &r);
    expect_ok(&r);
    assert_int_equal(get_uint(r.result, "entries"), 9);
}

static void test_mirror(void **state)
{
    world *w = *state;
    node *m;
    node_config cfg;
    mp_buf resp;
    reply r;
    static const uint8_t req[] = "\x94\x00\x01\xb0provider.publish\x91\xc4\x01\x80";
    memset(&cfg, 0, sizeof(cfg));
    memcpy(cfg.sk, w->pf.mirror.sk, sizeof(cfg.sk));
    assert_int_equal(node_new(&m, &w->s, &cfg, NOW), 0);
    mp_buf_init(&resp, RN_CONTROL_RESPONSE_BYTES_MAX);
    assert_int_equal(node_control(m, req, sizeof(req) - 1, &resp, NOW), 0);
    parse(resp.data, resp.len, &r);
    expect_err(&r, RN_EROLE, NULL);
    mp_buf_free(&resp);
    node_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peers_heads_roster, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fork, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_publish, setup, teardown),
        cmocka_unit_test_setup_teardown(test_publish_spec_needs_provider, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recognise, setup, teardown),
        cmocka_unit_test_setup_teardown(test_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_envelope_as_specified, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random, setup, teardown),
        cmocka_unit_test_setup_teardown(test_response_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mirror, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk_status_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_publish_sync_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_publish_batch, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
