/*
 * api_verifier_test.c: the verifier of every credential form (api/verifier.h) against a fake
 * node: a table of records (the spec, its provider, other specs) and a scripted verify answer,
 * answered in the control API's own response form, with no socket. Every form (envelope,
 * VC-JWT in EdDSA, ES256 and RS256, Data Integrity with its key as an Ed25519 issuer key and as a
 * did:web of issuer_keys_ext, a sealed European Digital Credential), every way it fails (a local
 * check, a key that is not the provider's, the binding of PROTOCOL.md 3.5, an unknown spec), and
 * the node's own failures (an error answer, a response that does not decode, none at all).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "api/json.h"
#include "api/verifier.h"
#include "cred/codec.h"
#include "cred/jcs.h"
#include "cred/status.h"
#include "cred_sign.h"
#include "proto/credential.h"
#include "proto/entry.h"
#include "proto/key.h"
#include "proto/record.h"
#include "tests/support/fixtures.h"

#define OB3     RN_FIXTURES "/ob3/"
#define ELM     RN_FIXTURES "/elm/Sample-MC-Annex1-unsigned.jsonld"
#define THEED   RN_FIXTURES "/obv3/theed_microcredential_full_ho.json"
#define SPEC    "NL:42NB/ach-44ABA"
#define PROV    "NL:42NB"
#define ACH     "https://example.com/achievements/ach-44ABA"
#define AT_2026 1767225600000ull /* 2026-01-01 */

/* ---- The fake node ---- */

typedef struct fake_rec {
    proto_kind kind;
    char id[RN_ID_BYTES_MAX + 1];
    uint8_t entry[RN_ENTRY_BYTES_MAX];
    size_t len;
} fake_rec;

typedef struct fake_node {
    fake_rec recs[6];
    size_t recs_n;
    const char *fail_method; /* answer this method with fail_code */
    int fail_code;
    bool garble;       /* answer with bytes that do not decode */
    bool recognised;   /* the verify answer's recognition */
    uint32_t verifies; /* verify calls seen */
    uint32_t searches; /* search calls seen */
    bool claim_is_id;  /* the last verify claim named issuer_key_id */
    uint8_t claim_key[32];
    uint8_t claim_digest[32];
    int status_code;                       /* answer status.list with this error, or 0: the list */
    long long status_revoked;              /* the index the list has revoked, or -1 */
    uint32_t status_asks;                  /* status.list calls seen */
    char status_prov[RN_ID_BYTES_MAX + 1]; /* the last status.list's provider and url */
    char status_url[RN_URL_BYTES_MAX + 1];
} fake_node;

static uint8_t author_sk[PROTO_SK_BYTES], author_pk[PROTO_KEY_BYTES];

static void node_add(fake_node *n, const proto_record *r, proto_kind kind, const char *id)
{
    mp_buf body;
    proto_entry_draft dr;
    fake_rec *f = &n->recs[n->recs_n++];
    mp_buf_init(&body, RN_ENTRY_BYTES_MAX);
    assert_int_equal(proto_record_encode(r, &body), 0);
    memset(&dr, 0, sizeof(dr));
    dr.seq = 1;
    dr.timestamp_ms = 1700000000000ull;
    dr.kind = kind;
    dr.body = body.data;
    dr.body_len = body.len;
    assert_int_equal(proto_entry_sign(&dr, author_sk, f->entry, sizeof(f->entry), &f->len), 0);
    f->kind = kind;
    snprintf(f->id, sizeof(f->id), "%s", id);
    mp_buf_free(&body);
}

/* The provider PROV with the Ed25519 keys `ed` (n_ed) and later-form keys `ext` (n_ext). */
static void node_provider(fake_node *n, const uint8_t (*ed)[32], uint32_t n_ed,
                          const proto_issuer_key_ext *ext, uint32_t n_ext)
{
    proto_record *r = calloc(1, sizeof(*r));
    fx_elm_provider(r, PROV);
    r->u.provider.id = proto_str_c(PROV);
    r->u.provider.country = proto_str_c("NL");
    for (uint32_t i = 0; i < n_ed; i++) {
        r->u.provider.issuer_keys[i].key = ed[i];
        r->u.provider.issuer_keys[i].valid_from_ms = 0;
    }
    r->u.provider.issuer_keys_n = n_ed;
    for (uint32_t i = 0; i < n_ext; i++)
        r->u.provider.issuer_keys_ext[i] = ext[i];
    r->u.provider.issuer_keys_ext_n = n_ext;
    node_add(n, r, PROTO_KIND_PROVIDER, PROV);
    free(r);
}

/* Spec `id` of PROV, bound to `source` (NULL: bound to nothing). */
static void node_spec(fake_node *n, const char *id, const char *source)
{
    proto_record *r = calloc(1, sizeof(*r));
    fx_elm_spec(r, id, PROV);
    r->u.spec.source_ids_n = 0;
    if (source != NULL) {
        r->u.spec.source_ids[0] = proto_str_c(source);
        r->u.spec.source_ids_n = 1;
    }
    node_add(n, r, PROTO_KIND_SPEC, id);
    free(r);
}

static void put_error(mp_buf *b, int code)
{
    mp_put_array(b, 4);
    mp_put_uint(b, 1);
    mp_put_uint(b, 1);
    mp_put_map(b, 3);
    mp_put_cstr(b, "code");
    mp_put_int(b, code);
    mp_put_cstr(b, "name");
    mp_put_cstr(b, rn_err_name(code));
    mp_put_cstr(b, "message");
    mp_put_cstr(b, rn_strerror(code));
    mp_put_nil(b);
}

static void put_result_begin(mp_buf *b)
{
    mp_put_array(b, 4);
    mp_put_uint(b, 1);
    mp_put_uint(b, 1);
    mp_put_nil(b);
}

/* A string of the params array at `idx`, into out. */
static void param_str(const uint8_t *p, size_t len, uint32_t idx, char *out, size_t cap)
{
    mp_cur c;
    uint32_t n;
    mp_cur_init(&c, p, len);
    assert_int_equal(mp_read_array(&c, &n), 0);
    for (uint32_t i = 0; i < idx; i++)
        assert_int_equal(mp_skip(&c), 0);
    const uint8_t *s;
    uint32_t sl;
    assert_int_equal(mp_read_str(&c, &s, &sl), 0);
    snprintf(out, cap, "%.*s", (int)sl, (const char *)s);
}

static int sign_author(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[64])
{
    (void)ctx;
    return crypto_sign_detached(sig, NULL, msg, len, author_sk) == 0 ? 0 : RN_ESIG;
}

/* A status list signed by the author's key, its id `id`, with entry `revoked` set (or none). */
static char *status_list_json(const char *id, long long revoked)
{
    uint8_t *bits = calloc(1, CRED_STATUS_BITS_MIN / 8u);
    char *json = NULL;
    assert_non_null(bits);
    if (revoked >= 0)
        bits[revoked / 8] |= (uint8_t)(0x80u >> (revoked % 8));
    cred_status_list_doc d = { id,           author_pk, AT_2026,
                               "revocation", bits,      CRED_STATUS_BITS_MIN / 8u,
                               NULL };
    assert_int_equal(cred_status_list_credential(&d, sign_author, NULL, &json), 0);
    free(bits);
    return json;
}

static void answer(fake_node *n, ctl_method_id m, const uint8_t *p, size_t len, mp_buf *b)
{
    const char *name = ctl_method_get(m)->name;
    if (n->fail_method != NULL && strcmp(n->fail_method, name) == 0) {
        put_error(b, n->fail_code);
        return;
    }
    if (m == CTL_M_RECORD) {
        char kind[16], id[RN_ID_BYTES_MAX + 1];
        param_str(p, len, 0, kind, sizeof(kind));
        param_str(p, len, 1, id, sizeof(id));
        for (size_t i = 0; i < n->recs_n; i++) {
            if (strcmp(proto_kind_name((int)n->recs[i].kind), kind) == 0 &&
                strcmp(n->recs[i].id, id) == 0) {
                put_result_begin(b);
                mp_put_map(b, 1);
                mp_put_cstr(b, "bytes");
                mp_put_bin(b, n->recs[i].entry, (uint32_t)n->recs[i].len);
                return;
            }
        }
        put_error(b, RN_ENOTFOUND);
        return;
    }
    if (m == CTL_M_STATUS_LIST) {
        n->status_asks++;
        param_str(p, len, 0, n->status_prov, sizeof(n->status_prov));
        param_str(p, len, 2, n->status_url, sizeof(n->status_url));
        if (n->status_code != 0) {
            put_error(b, n->status_code);
            return;
        }
        char *doc = status_list_json(n->status_url, n->status_revoked);
        put_result_begin(b);
        mp_put_map(b, 2);
        mp_put_cstr(b, "provider");
        mp_put_cstr(b, n->status_prov);
        mp_put_cstr(b, "credential");
        mp_put_cstr(b, doc);
        free(doc);
        return;
    }
    if (m == CTL_M_SEARCH) {
        n->searches++;
        put_result_begin(b);
        mp_put_map(b, 2);
        mp_put_cstr(b, "hits");
        uint32_t specs = 0;
        for (size_t i = 0; i < n->recs_n; i++)
            specs += n->recs[i].kind == PROTO_KIND_SPEC;
        mp_put_array(b, specs);
        for (size_t i = 0; i < n->recs_n; i++) {
            if (n->recs[i].kind != PROTO_KIND_SPEC)
                continue;
            mp_put_map(b, 1);
            mp_put_cstr(b, "spec_id");
            mp_put_cstr(b, n->recs[i].id);
        }
        mp_put_cstr(b, "more");
        mp_put_bool(b, false);
        return;
    }
    assert_int_equal(m, CTL_M_VERIFY);
    n->verifies++;
    /* The claim: {spec, issuer_key | issuer_key_id, issued_at, credential}. */
    mp_cur c, v;
    uint32_t an;
    mp_cur_init(&c, p, len);
    assert_int_equal(mp_read_array(&c, &an), 0);
    assert_int_equal(an, 4);
    const uint8_t *kb;
    uint32_t kl;
    n->claim_is_id = api_map_get(c, "issuer_key_id", &v);
    assert_true(n->claim_is_id || api_map_get(c, "issuer_key", &v));
    assert_int_equal(mp_read_bin(&v, &kb, &kl), 0);
    assert_int_equal(kl, 32);
    memcpy(n->claim_key, kb, 32);
    assert_true(api_map_get(c, "credential", &v));
    assert_int_equal(mp_read_bin(&v, &kb, &kl), 0);
    memcpy(n->claim_digest, kb, 32);
    put_result_begin(b);
    mp_put_map(b, 6);
    mp_put_cstr(b, "valid");
    mp_put_bool(b, true);
    mp_put_cstr(b, "issuer_ok");
    mp_put_bool(b, true);
    mp_put_cstr(b, "spec_ok");
    mp_put_bool(b, true);
    mp_put_cstr(b, "revoked");
    mp_put_bool(b, false);
    mp_put_cstr(b, "recognition");
    mp_put_map(b, 2);
    mp_put_cstr(b, "result");
    mp_put_cstr(b, n->recognised ? "decision" : "no_decision");
    mp_put_cstr(b, "outcome");
    mp_put_cstr(b, "full");
    mp_put_cstr(b, "proof");
    mp_put_bin(b, (const uint8_t *)"bundle", 6);
}

/* Runs v to its end against n. */
static void drive(api_verifier *v, fake_node *n)
{
    ctl_method_id m;
    const uint8_t *p;
    size_t len;
    for (int i = 0; i < 200 && api_verifier_next(v, &m, &p, &len) == API_VERIFIER_NEED; i++) {
        mp_buf b;
        mp_buf_init(&b, RN_CONTROL_RESPONSE_BYTES_MAX);
        answer(n, m, p, len, &b);
        if (n->garble)
            api_verifier_feed(v, b.data, b.len > 3 ? b.len - 3 : 0);
        else
            api_verifier_feed(v, b.data, b.len);
        mp_buf_free(&b);
    }
    assert_int_equal(api_verifier_next(v, &m, &p, &len), API_VERIFIER_DONE);
}

static api_verifier_opts opts(void)
{
    api_verifier_opts o;
    memset(&o, 0, sizeof(o));
    o.country = "DE";
    o.purpose = "employment";
    o.now_ms = AT_2026;
    return o;
}

/* Verifies buf against n; returns the verifier (the caller frees it). */
static api_verifier *run(fake_node *n, const void *buf, size_t len, const api_verifier_opts *o)
{
    api_verifier *v = api_verifier_new();
    assert_non_null(v);
    assert_int_equal(api_verifier_start(v, buf, len, o), 0);
    drive(v, n);
    return v;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *b = malloc(1u << 20);
    *len = fread(b, 1, (1u << 20) - 1, f);
    b[*len] = '\0';
    fclose(f);
    return b;
}

/* The answer's reason (or error message) holds `needle`. */
static void says(const api_verifier *v, api_verify_outcome want, const char *needle)
{
    const char *field, *msg;
    (void)api_verifier_error(v, &field, &msg);
    json_t *a = api_verifier_answer(v);
    const char *reason = a != NULL ? json_string_value(json_object_get(a, "reason")) : NULL;
    if (api_verifier_outcome(v) != want ||
        (needle != NULL && strstr(reason != NULL ? reason : msg, needle) == NULL)) {
        char *d = a != NULL ? json_dumps(a, JSON_INDENT(1)) : NULL;
        fail_msg("outcome %d (want %d), message %s, answer %s", api_verifier_outcome(v), want, msg,
                 d != NULL ? d : "none");
    }
}

/* ---- Envelopes ---- */

static void make_envelope(mp_buf *env, const uint8_t sk[64], const uint8_t pk[32])
{
    proto_credential cr;
    uint8_t href[PROTO_HOLDER_BYTES], salt[16];
    memset(&cr, 0, sizeof(cr));
    memset(salt, 7, sizeof(salt));
    assert_int_equal(proto_credential_holder(salt, sizeof(salt), (const uint8_t *)"ana", 3, href),
                     0);
    cr.spec = proto_str_c(SPEC);
    cr.holder = href;
    cr.issuer_key = pk;
    cr.issued_at_ms = 1738368000000ull;
    assert_int_equal(proto_credential_sign(&cr, sk, env), 0);
}

static void test_envelope(void **state)
{
    (void)state;
    fake_node n;
    mp_buf env;
    memset(&n, 0, sizeof(n));
    n.recognised = true;
    mp_buf_init(&env, PROTO_CREDENTIAL_BYTES_MAX);
    make_envelope(&env, author_sk, author_pk);
    api_verifier_opts o = opts();
    api_verifier *v = run(&n, env.data, env.len, &o);
    says(v, API_VERIFY_VALID, NULL);
    assert_int_equal(api_verifier_calls(v), 1); /* the envelope names its spec and key */
    assert_memory_equal(n.claim_key, author_pk, 32);
    assert_false(n.claim_is_id);
    size_t pl;
    assert_non_null(api_verifier_proof(v, &pl));
    assert_int_equal(pl, 6);
    json_t *a = api_verifier_answer(v);
    assert_true(json_is_true(json_object_get(a, "valid_and_recognised")));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(a, "node"), "proof_bytes")),
                     6);
    api_verifier_free(v);

    /* Not recognised: negative, with the node's answer. */
    n.recognised = false;
    v = run(&n, env.data, env.len, &o);
    says(v, API_VERIFY_NEGATIVE, NULL);
    assert_true(json_is_true(json_object_get(api_verifier_answer(v), "node_asked")));
    api_verifier_free(v);

    /* Altered: the node is still asked (its answer shows the rest), the answer is NOT VALID. */
    n.recognised = true;
    env.data[env.len - 1] ^= 1;
    v = run(&n, env.data, env.len, &o);
    says(v, API_VERIFY_NEGATIVE, NULL);
    assert_false(json_is_true(
        json_object_get(json_object_get(api_verifier_answer(v), "credential"), "signature_ok")));
    api_verifier_free(v);
    env.data[env.len - 1] ^= 1;

    /* Another spec named, a key given, a truncated envelope: refused, the field named. */
    o.spec = "NL:42NB/other";
    v = run(&n, env.data, env.len, &o);
    says(v, API_VERIFY_REFUSED, "names its own spec");
    assert_null(api_verifier_answer(v));
    api_verifier_free(v);
    o = opts();
    o.issuer_key_set = true;
    v = run(&n, env.data, env.len, &o);
    says(v, API_VERIFY_REFUSED, "its own issuer key");
    api_verifier_free(v);
    o = opts();
    v = run(&n, env.data, env.len - 10, &o);
    says(v, API_VERIFY_REFUSED, "not a valid credential envelope");
    assert_int_equal(api_verifier_calls(v), 0);
    api_verifier_free(v);
    mp_buf_free(&env);
}

/* ---- VC-JWTs ---- */

/* The Theed badge as a VC-JWT (Data Model 1.1 claims) signed by t with alg; `exp` overrides;
 * `status` (stolen), when not NULL, is its credentialStatus. */
static char *badge_jwt_status(const test_issuer *t, cred_alg alg, long long exp, json_t *status)
{
    json_t *vc = json_load_file(THEED, 0, NULL);
    assert_non_null(vc);
    if (status != NULL)
        json_object_set_new(vc, "credentialStatus", status);
    json_t *pl = json_pack(
        "{s:s,s:s,s:s,s:I,s:O}", "iss",
        json_string_value(json_object_get(json_object_get(vc, "issuer"), "id")), "jti",
        json_string_value(json_object_get(vc, "id")), "sub",
        json_string_value(json_object_get(json_object_get(vc, "credentialSubject"), "id")), "nbf",
        (json_int_t)1724976000, "vc", vc);
    if (exp != 0)
        json_object_set_new(pl, "exp", json_integer(exp));
    json_t *h = json_pack("{s:s,s:s}", "alg", cred_alg_name(alg), "typ", "JWT");
    char *tok = test_jws(t, alg, h, pl);
    json_decref(h);
    json_decref(pl);
    json_decref(vc);
    return tok;
}

static char *badge_jwt(const test_issuer *t, cred_alg alg, long long exp)
{
    return badge_jwt_status(t, alg, exp, NULL);
}

/* A JWK key of issuer_keys_ext: its canonical text (RFC 7638 member order, which sorted keys
 * give for the members a public JWK has). */
static void jwk_ext(const test_issuer *t, proto_issuer_key_ext *k, char *text, size_t cap)
{
    json_t *j = test_issuer_jwk(t);
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    snprintf(text, cap, "%s", s);
    free(s);
    json_decref(j);
    memset(k, 0, sizeof(*k));
    k->form = PROTO_KEY_FORM_JWK;
    k->key = proto_str_c(text);
}

static void test_jwt_eddsa(void **state)
{
    (void)state;
    test_issuer ed, other;
    fake_node n;
    test_issuer_make(&ed, CRED_KTY_ED25519, 3);
    test_issuer_make(&other, CRED_KTY_ED25519, 4);
    memset(&n, 0, sizeof(n));
    n.recognised = true;
    uint8_t keys[1][32];
    memcpy(keys[0], ed.pk, 32);
    node_provider(&n, keys, 1, NULL, 0);
    node_spec(&n, SPEC, ACH);
    api_verifier_opts o = opts();
    o.spec = SPEC;
    char *tok = badge_jwt(&ed, CRED_ALG_EDDSA, 0);
    api_verifier *v = run(&n, tok, strlen(tok), &o);
    says(v, API_VERIFY_VALID, NULL);
    assert_int_equal(api_verifier_calls(v), 4); /* spec, provider now and then, verify */
    assert_memory_equal(n.claim_key, ed.pk, 32);
    /* The digest is the signing input's (PROTOCOL.md 13.5 step 7). */
    uint8_t d[32];
    crypto_generichash(d, 32, (const uint8_t *)tok, (size_t)(strrchr(tok, '.') - tok), NULL, 0);
    assert_memory_equal(n.claim_digest, d, 32);
    api_verifier_free(v);
    free(tok);

    /* Signed by a key the provider never registered: negative, the node's verify not asked. */
    n.verifies = 0;
    tok = badge_jwt(&other, CRED_ALG_EDDSA, 0);
    v = run(&n, tok, strlen(tok), &o);
    says(v, API_VERIFY_NEGATIVE, "by none of the 1 issuer key(s) of " PROV);
    assert_int_equal(n.verifies, 0);
    api_verifier_free(v);
    free(tok);

    /* Expired: the check named, offline. */
    tok = badge_jwt(&ed, CRED_ALG_EDDSA, 1262304000);
    v = run(&n, tok, strlen(tok), &o);
    says(v, API_VERIFY_NEGATIVE, "NOT VALID: exp");
    assert_int_equal(n.verifies, 0);
    api_verifier_free(v);
    free(tok);

    /* The key given instead of the provider's: checked before the node is asked at all. */
    o.issuer_key_set = true;
    memcpy(o.issuer_key, other.pk, 32);
    tok = badge_jwt(&ed, CRED_ALG_EDDSA, 0);
    v = run(&n, tok, strlen(tok), &o);
    says(v, API_VERIFY_NEGATIVE, "the key given");
    assert_int_equal(api_verifier_calls(v), 0);
    api_verifier_free(v);
    free(tok);
    test_issuer_free(&ed);
    test_issuer_free(&other);
}

static void test_jwt_jwk(void **state)
{
    (void)state;
    const cred_kty kty[] = { CRED_KTY_P256, CRED_KTY_RSA };
    const cred_alg alg[] = { CRED_ALG_ES256, CRED_ALG_RS256 };
    for (size_t i = 0; i < 2; i++) {
        test_issuer t;
        fake_node n;
        proto_issuer_key_ext k;
        char text[RN_ISSUER_JWK_BYTES_MAX + 1];
        uint8_t id[32];
        test_issuer_make(&t, kty[i], 0);
        memset(&n, 0, sizeof(n));
        n.recognised = true;
        jwk_ext(&t, &k, text, sizeof(text));
        node_provider(&n, NULL, 0, &k, 1);
        node_spec(&n, SPEC, ACH);
        api_verifier_opts o = opts();
        o.spec = SPEC;
        char *tok = badge_jwt(&t, alg[i], 0);
        api_verifier *v = run(&n, tok, strlen(tok), &o);
        says(v, API_VERIFY_VALID, NULL);
        proto_issuer_key_ext_id(&k, id);
        assert_true(n.claim_is_id);
        assert_memory_equal(n.claim_key, id, 32);
        api_verifier_free(v);
        free(tok);
        test_issuer_free(&t);
    }
}

static void test_jwt_refused(void **state)
{
    (void)state;
    fake_node n;
    memset(&n, 0, sizeof(n));
    api_verifier_opts o = opts();
    const struct {
        const char *text;
        const char *needle;
    } rows[] = {
        /* {"alg":"none"}.{}.x */
        { "eyJhbGciOiJub25lIn0.e30.eA", "alg" },
        /* {"alg":"HS256"} */
        { "eyJhbGciOiJIUzI1NiJ9.e30.eA", "HS256" },
        { "not a credential at all", "not a credential read here" },
        { "", "not a credential read here" },
        { "{\"type\":[\"VerifiableCredential\",\"Other\"]}", "another kind" },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        api_verifier *v = run(&n, rows[i].text, strlen(rows[i].text), &o);
        says(v, API_VERIFY_REFUSED, rows[i].needle);
        assert_int_equal(api_verifier_calls(v), 0);
        api_verifier_free(v);
    }
    o.spec = "not an id";
    api_verifier *v = run(&n, "x", 1, &o);
    says(v, API_VERIFY_REFUSED, "expected a spec id");
    const char *field, *msg;
    assert_int_equal(api_verifier_error(v, &field, &msg), RN_EID);
    assert_string_equal(field, "spec");
    api_verifier_free(v);
}

/* ---- Data Integrity ---- */

static void simple_key(uint8_t pk[32])
{
    cred_key k;
    static const char mb[] = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi";
    assert_int_equal(cred_key_from_multibase(mb, strlen(mb), &k, NULL, 0), 0);
    memcpy(pk, k.ed25519, 32);
    cred_key_free(&k);
}

static void test_data_integrity(void **state)
{
    (void)state;
    fake_node n;
    uint8_t keys[1][32];
    size_t len;
    memset(&n, 0, sizeof(n));
    n.recognised = true;
    simple_key(keys[0]);
    node_provider(&n, keys, 1, NULL, 0);
    node_spec(&n, SPEC, "https://example.com/achievements/21st-century-skills/teamwork");
    api_verifier_opts o = opts();
    o.spec = SPEC;
    char *buf = slurp(OB3 "simple.json", &len);
    api_verifier *v = run(&n, buf, len, &o);
    says(v, API_VERIFY_VALID, NULL);
    assert_memory_equal(n.claim_key, keys[0], 32);
    /* The digest: BLAKE2b-256 of the JCS form without the proof (PROTOCOL.md 13.8). */
    json_t *doc = json_loadb(buf, len, 0, NULL);
    json_object_del(doc, "proof");
    cred_buf jb;
    cred_buf_init(&jb, 1u << 20);
    assert_int_equal(cred_jcs_write(doc, &jb), 0);
    uint8_t d[32];
    crypto_generichash(d, 32, (const uint8_t *)jb.data, jb.len, NULL, 0);
    assert_memory_equal(n.claim_digest, d, 32);
    cred_buf_free(&jb);
    json_decref(doc);
    json_t *cr = json_object_get(api_verifier_answer(v), "credential");
    assert_non_null(strstr(json_string_value(json_object_get(cr, "form")), "embedded proof"));
    api_verifier_free(v);
    free(buf);

    /* Each invalid sample refused for its own reason, before the node. */
    const struct {
        const char *file;
        const char *needle;
    } rows[] = {
        { "simple-err-proof-value.json", "proof" },
        { "simple-err-expired.json", "validUntil" },
        { "simple-err-issued.json", "validFrom" },
        { "simple-err-type.json", "type" },
        { "simple-err-proof-method.json", "key" },
        { "simple-noproof.json", "proof" },
        { "simple-err-evidence-type.json", "evidence" },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char path[512];
        snprintf(path, sizeof(path), OB3 "%s", rows[i].file);
        n.verifies = 0;
        buf = slurp(path, &len);
        v = run(&n, buf, len, &o);
        says(v, API_VERIFY_NEGATIVE, rows[i].needle);
        assert_int_equal(api_verifier_calls(v), 0);
        api_verifier_free(v);
        free(buf);
    }
}

static void test_did_web(void **state)
{
    (void)state;
    static const char did[] = "did:web:dc.1edtech.org:wellspring2022:wellspring-portal:org:"
                              "da1e96e9-afcc-4eed-b9a2-2ddf7353214c";
    fake_node n;
    proto_issuer_key_ext k;
    cred_docs docs;
    char why[256];
    size_t len;
    memset(&n, 0, sizeof(n));
    n.recognised = true;
    memset(&k, 0, sizeof(k));
    k.form = PROTO_KEY_FORM_DID;
    k.key = proto_str_c(did);
    node_provider(&n, NULL, 0, &k, 1);
    node_spec(&n, SPEC, NULL);
    cred_docs_init(&docs);
    assert_int_equal(cred_docs_load_dir(&docs, OB3 "issuer-docs", why, sizeof(why)), 0);
    api_verifier_opts o = opts();
    o.spec = SPEC;
    o.docs = &docs;
    char *buf = slurp(OB3 "credential-status-revoked.json", &len);
    api_verifier *v = run(&n, buf, len, &o);
    says(v, API_VERIFY_VALID, NULL);
    uint8_t id[32];
    proto_issuer_key_ext_id(&k, id);
    assert_true(n.claim_is_id);
    assert_memory_equal(n.claim_key, id, 32);
    /* Status: not checked without a list, never "not revoked". */
    json_t *checks =
               json_object_get(json_object_get(api_verifier_answer(v), "credential"), "checks"),
           *c;
    size_t i;
    bool status_seen = false;
    json_array_foreach(checks, i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "name")), "status") == 0) {
            status_seen = true;
            assert_string_equal(json_string_value(json_object_get(c, "result")), "not checked");
        }
    }
    assert_true(status_seen);
    /* The spec is bound to nothing: the provider's other specs were searched. */
    assert_int_equal(n.searches, 1);
    api_verifier_free(v);

    /* Without the document the did:web resolves to nothing: the proof fails, named. */
    o.docs = NULL;
    v = run(&n, buf, len, &o);
    says(v, API_VERIFY_NEGATIVE, "proof");
    api_verifier_free(v);
    free(buf);
    cred_docs_free(&docs);
}

/* ---- Status: the node's own list (PROTOCOL.md 13.7) ---- */

static json_t *status_entry(const char *url, long long index)
{
    return json_pack("{s:s,s:s,s:s,s:I}", "type", "BitstringStatusListEntry", "statusPurpose",
                     "revocation", "statusListCredential", url, "statusListIndex",
                     (json_int_t)index);
}

/* The answer's "status" check: its result and reason (borrowed from v). */
static const char *status_check(const api_verifier *v, const char **reason)
{
    json_t *checks =
               json_object_get(json_object_get(api_verifier_answer(v), "credential"), "checks"),
           *c;
    size_t i;
    json_array_foreach(checks, i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "name")), "status") == 0) {
            *reason = json_string_value(json_object_get(c, "reason"));
            return json_string_value(json_object_get(c, "result"));
        }
    }
    fail_msg("no status check in the answer");
    return NULL;
}

static void test_status_node(void **state)
{
    (void)state;
    test_issuer ed;
    fake_node n;
    const char *reason;
    const char *url = "https://gw.example/v1/status/NL%3A42NB";
    test_issuer_make(&ed, CRED_KTY_ED25519, 3);
    memset(&n, 0, sizeof(n));
    n.recognised = true;
    uint8_t keys[1][32];
    memcpy(keys[0], ed.pk, 32);
    node_provider(&n, keys, 1, NULL, 0);
    node_spec(&n, SPEC, ACH);
    api_verifier_opts o = opts();
    o.spec = SPEC;
    o.at_set = true;
    o.at_ms = AT_2026;

    /* Revoked in the node's list: NOT VALID naming status; the claim is never made. */
    n.status_revoked = 94567;
    char *tok = badge_jwt_status(&ed, CRED_ALG_EDDSA, 0, status_entry(url, 94567));
    api_verifier *v = run(&n, tok, strlen(tok), &o);
    says(v, API_VERIFY_NEGATIVE, "NOT VALID: status");
    assert_int_equal(n.status_asks, 1);
    assert_string_equal(n.status_prov, PROV); /* percent-decoded */
    assert_string_equal(n.status_url, url);   /* the list's id is the one the badge names */
    assert_int_equal(n.verifies, 0);
    assert_string_equal(status_check(v, &reason), "fail");
    assert_non_null(strstr(reason, "REVOKED: entry 94567"));
    api_verifier_free(v);
    free(tok);

    /* Another index of the same list: not revoked, the list's proof checked, then the claim. */
    n.status_asks = 0;
    tok = badge_jwt_status(&ed, CRED_ALG_EDDSA, 0, status_entry(url, 5));
    v = run(&n, tok, strlen(tok), &o);
    says(v, API_VERIFY_VALID, NULL);
    assert_int_equal(n.status_asks, 1);
    assert_int_equal(n.verifies, 1);
    assert_string_equal(status_check(v, &reason), "pass");
    assert_non_null(strstr(reason, "not revoked: entry 5"));
    json_t *checks =
        json_object_get(json_object_get(api_verifier_answer(v), "credential"), "checks");
    bool proof_seen = false;
    size_t i;
    json_t *c;
    json_array_foreach(checks, i, c) proof_seen |=
        strcmp(json_string_value(json_object_get(c, "name")), "status list proof") == 0 &&
        strcmp(json_string_value(json_object_get(c, "result")), "pass") == 0;
    assert_true(proof_seen);
    assert_int_equal(api_verifier_calls(v), 5); /* spec, provider twice, status.list, verify */
    api_verifier_free(v);
    free(tok);

    /* The URN form names the list too. */
    n.status_asks = 0;
    tok = badge_jwt_status(&ed, CRED_ALG_EDDSA, 0, status_entry("urn:recnet:status:" PROV, 94567));
    v = run(&n, tok, strlen(tok), &o);
    says(v, API_VERIFY_NEGATIVE, "NOT VALID: status");
    assert_int_equal(n.status_asks, 1);
    api_verifier_free(v);
    free(tok);

    /* Another country's node: not checked, with the reason; never "not revoked". */
    n.status_asks = 0;
    n.status_code = RN_EROLE;
    tok = badge_jwt_status(&ed, CRED_ALG_EDDSA, 0, status_entry(url, 94567));
    v = run(&n, tok, strlen(tok), &o);
    says(v, API_VERIFY_VALID, NULL);
    assert_int_equal(n.status_asks, 1);
    assert_string_equal(status_check(v, &reason), "not checked");
    assert_non_null(strstr(reason, "signed by the authority of NL; this node is not it"));
    api_verifier_free(v);

    /* A node that knows no such provider: not checked, said why. */
    n.status_code = RN_ENOTFOUND;
    v = run(&n, tok, strlen(tok), &o);
    says(v, API_VERIFY_VALID, NULL);
    assert_string_equal(status_check(v, &reason), "not checked");
    assert_non_null(strstr(reason, "holds no provider " PROV));
    api_verifier_free(v);

    /* The node's own failure is an error, not a status. */
    n.status_code = RN_ESTORE;
    v = run(&n, tok, strlen(tok), &o);
    says(v, API_VERIFY_ERROR, NULL);
    api_verifier_free(v);
    n.status_code = 0;

    /* A list supplied takes precedence: no question asked, the supplied list says revoked. */
    n.status_asks = 0;
    char *own = status_list_json(url, 94567);
    json_t *list = json_loads(own, 0, NULL);
    o.status_list = list;
    n.status_revoked = -1;
    v = run(&n, tok, strlen(tok), &o);
    says(v, API_VERIFY_NEGATIVE, "NOT VALID: status");
    assert_int_equal(n.status_asks, 0);
    api_verifier_free(v);
    o.status_list = NULL;
    json_decref(list);
    free(own);
    free(tok);

    /* A list that is not recnet's: not checked, nothing asked. */
    const char *others[] = { "https://issuer.example/status/3", "https://gw.example/v1/status/",
                             "urn:recnet:status:", "https://gw.example/v1/status/NL%3" };
    for (size_t k = 0; k < sizeof(others) / sizeof(others[0]); k++) {
        tok = badge_jwt_status(&ed, CRED_ALG_EDDSA, 0, status_entry(others[k], 94567));
        v = run(&n, tok, strlen(tok), &o);
        says(v, API_VERIFY_VALID, NULL);
        assert_int_equal(n.status_asks, 0);
        assert_string_equal(status_check(v, &reason), "not checked");
        assert_non_null(strstr(reason, "no status list supplied"));
        api_verifier_free(v);
        free(tok);
    }
    test_issuer_free(&ed);
}

/* ---- The binding (PROTOCOL.md 3.5) ---- */

static void test_binding(void **state)
{
    (void)state;
    test_issuer ed;
    fake_node n;
    uint8_t keys[1][32];
    test_issuer_make(&ed, CRED_KTY_ED25519, 3);
    memcpy(keys[0], ed.pk, 32);
    char *tok = badge_jwt(&ed, CRED_ALG_EDDSA, 0);
    api_verifier_opts o = opts();
    o.spec = SPEC;

    /* The named spec was imported from another achievement. */
    memset(&n, 0, sizeof(n));
    node_provider(&n, keys, 1, NULL, 0);
    node_spec(&n, SPEC, "https://example.com/achievements/other");
    api_verifier *v = run(&n, tok, strlen(tok), &o);
    says(v, API_VERIFY_NEGATIVE, "is not what spec " SPEC " was imported from");
    assert_int_equal(n.verifies, 0);
    api_verifier_free(v);

    /* The named spec is bound to nothing, another spec of its provider to the badge. */
    memset(&n, 0, sizeof(n));
    node_provider(&n, keys, 1, NULL, 0);
    node_spec(&n, SPEC, NULL);
    node_spec(&n, "NL:42NB/minor", ACH);
    v = run(&n, tok, strlen(tok), &o);
    says(v, API_VERIFY_NEGATIVE, "is bound to spec NL:42NB/minor, not " SPEC);
    assert_int_equal(n.verifies, 0);
    api_verifier_free(v);

    /* The node holds no such spec. */
    memset(&n, 0, sizeof(n));
    node_provider(&n, keys, 1, NULL, 0);
    v = run(&n, tok, strlen(tok), &o);
    says(v, API_VERIFY_NEGATIVE, "holds no spec " SPEC);
    api_verifier_free(v);
    free(tok);
    test_issuer_free(&ed);
}

/* ---- The node's failures ---- */

static void test_node_errors(void **state)
{
    (void)state;
    test_issuer ed;
    fake_node n;
    uint8_t keys[1][32];
    test_issuer_make(&ed, CRED_KTY_ED25519, 3);
    memcpy(keys[0], ed.pk, 32);
    char *tok = badge_jwt(&ed, CRED_ALG_EDDSA, 0);
    api_verifier_opts o = opts();
    o.spec = SPEC;
    const struct {
        const char *method;
        int code;
        api_verify_outcome want;
    } rows[] = {
        { "record", RN_ESTORE, API_VERIFY_ERROR },
        { "verify", RN_ECOUNTRY, API_VERIFY_REFUSED },
        { "verify", RN_ENOTFOUND, API_VERIFY_NEGATIVE },
        { "verify", RN_ECORRUPT, API_VERIFY_ERROR },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        memset(&n, 0, sizeof(n));
        node_provider(&n, keys, 1, NULL, 0);
        node_spec(&n, SPEC, ACH);
        n.fail_method = rows[i].method;
        n.fail_code = rows[i].code;
        api_verifier *v = run(&n, tok, strlen(tok), &o);
        says(v, rows[i].want, rows[i].method);
        const char *field, *msg;
        assert_int_equal(api_verifier_error(v, &field, &msg), rows[i].code);
        assert_null(api_verifier_answer(v));
        api_verifier_free(v);
    }
    /* A response that does not decode, and none at all. */
    memset(&n, 0, sizeof(n));
    n.garble = true;
    api_verifier *v = run(&n, tok, strlen(tok), &o);
    says(v, API_VERIFY_ERROR, "did not answer");
    api_verifier_free(v);
    v = api_verifier_new();
    assert_int_equal(api_verifier_start(v, (const uint8_t *)tok, strlen(tok), &o), 0);
    ctl_method_id m;
    const uint8_t *p;
    size_t len;
    assert_int_equal(api_verifier_next(v, &m, &p, &len), API_VERIFIER_NEED);
    assert_int_equal(m, CTL_M_RECORD);
    /* Asking again before an answer gives the same question. */
    const uint8_t *p2;
    size_t len2;
    assert_int_equal(api_verifier_next(v, &m, &p2, &len2), API_VERIFIER_NEED);
    assert_int_equal(len2, len);
    assert_int_equal(api_verifier_calls(v), 1);
    api_verifier_feed(v, NULL, 0);
    assert_int_equal(api_verifier_next(v, &m, &p, &len), API_VERIFIER_DONE);
    says(v, API_VERIFY_ERROR, "did not answer");
    api_verifier_free(v);
    free(tok);
    test_issuer_free(&ed);
}

/* ---- Sealed European Digital Credentials ---- */

static json_t *seal_elm(const test_issuer *by, X509 *cert)
{
    json_t *cred = json_load_file(ELM, 0, NULL);
    assert_non_null(cred);
    unsigned char *der = NULL;
    int dl = i2d_X509(cert, &der);
    char x5c[8192];
    sodium_bin2base64(x5c, sizeof(x5c), der, (size_t)dl, sodium_base64_VARIANT_ORIGINAL);
    OPENSSL_free(der);
    json_t *h = json_pack("{s:s,s:[s]}", "alg", "EdDSA", "x5c", x5c);
    json_t *out = test_jws_as_json(by, CRED_ALG_EDDSA, h, cred);
    json_decref(h);
    json_decref(cred);
    return out;
}

static void test_sealed(void **state)
{
    (void)state;
    test_issuer ed, other;
    fake_node n;
    test_issuer_make(&ed, CRED_KTY_ED25519, 9);
    test_issuer_make(&other, CRED_KTY_ED25519, 10);
    EVP_PKEY *pk =
        EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, ed.sk, 32); /* sk = seed || pk */
    assert_non_null(pk);
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -86400L * 3650);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 3650);
    X509_set_pubkey(x, pk);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)"University of Zed seal", -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    assert_true(X509_sign(x, pk, NULL) > 0);
    json_t *doc = seal_elm(&ed, x);
    char *s = json_dumps(doc, JSON_COMPACT);
    api_verifier_opts o = opts();
    o.now_ms = (uint64_t)time(NULL) * 1000u;
    o.spec = SPEC;

    /* The sealer's key is one the provider registered: the node is asked. */
    uint8_t keys[1][32];
    memcpy(keys[0], ed.pk, 32);
    memset(&n, 0, sizeof(n));
    n.recognised = true;
    node_provider(&n, keys, 1, NULL, 0);
    node_spec(&n, SPEC, NULL);
    api_verifier *v = run(&n, s, strlen(s), &o);
    says(v, API_VERIFY_VALID, NULL);
    assert_memory_equal(n.claim_key, ed.pk, 32);
    json_t *cr = json_object_get(api_verifier_answer(v), "credential");
    assert_non_null(strstr(json_string_value(json_object_get(cr, "sealed_by")), "Zed"));
    api_verifier_free(v);

    /* Not: the node cannot be asked whether the provider sealed it, and the answer says so. */
    memcpy(keys[0], other.pk, 32);
    memset(&n, 0, sizeof(n));
    node_provider(&n, keys, 1, NULL, 0);
    node_spec(&n, SPEC, NULL);
    v = run(&n, s, strlen(s), &o);
    says(v, API_VERIFY_NEGATIVE, "the seal verifies by a key the credential names");
    assert_int_equal(n.verifies, 0);
    api_verifier_free(v);

    /* An altered seal: it fails, named, offline. */
    char *p = strstr(s, "\"signature\":\"") + 13;
    p[5] = p[5] == 'A' ? 'B' : 'A';
    v = run(&n, s, strlen(s), &o);
    says(v, API_VERIFY_NEGATIVE, "seal");
    assert_int_equal(api_verifier_calls(v), 0);
    api_verifier_free(v);
    free(s);
    json_decref(doc);
    X509_free(x);
    EVP_PKEY_free(pk);
    test_issuer_free(&ed);
    test_issuer_free(&other);
}

/* ---- The JSON credential digest ---- */

static void test_json_digest(void **state)
{
    (void)state;
    /* The JCS form of {"b": 1, "a": "\u00e9", "proof": {...}} without its proof, by hand. */
    json_t *vc = json_loads("{\"b\": 1.0, \"a\": \"\\u00e9\", \"proof\": {\"x\": 1}}", 0, NULL);
    static const char jcs[] = "{\"a\":\"\xc3\xa9\",\"b\":1}";
    uint8_t want[32], got[32];
    crypto_generichash(want, 32, (const uint8_t *)jcs, sizeof(jcs) - 1, NULL, 0);
    assert_int_equal(api_json_credential_digest(vc, got), 0);
    assert_memory_equal(got, want, 32);
    /* The credential itself is left as it was. */
    assert_non_null(json_object_get(vc, "proof"));
    json_decref(vc);
    /* The vector of PROTOCOL.md 13.8 (proto/vectors.json). */
    json_t *root = json_load_file(RN_SOURCE_DIR "/proto/vectors.json", 0, NULL);
    json_t *vec = json_object_get(root, "json_credential_digest");
    vc = json_loads(json_string_value(json_object_get(vec, "credential")), 0, NULL);
    assert_non_null(vc);
    assert_int_equal(api_json_credential_digest(vc, got), 0);
    char hex[65];
    sodium_bin2hex(hex, sizeof(hex), got, 32);
    assert_string_equal(hex, json_string_value(json_object_get(vec, "digest")));
    json_decref(vc);
    json_decref(root);
}

static int setup(void **state)
{
    (void)state;
    uint8_t seed[32];
    if (sodium_init() < 0)
        return -1;
    memset(seed, 0x42, sizeof(seed));
    proto_key_sk_derive(seed, author_sk, author_pk);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_envelope),       cmocka_unit_test(test_jwt_eddsa),
        cmocka_unit_test(test_jwt_jwk),        cmocka_unit_test(test_jwt_refused),
        cmocka_unit_test(test_data_integrity), cmocka_unit_test(test_did_web),
        cmocka_unit_test(test_binding),        cmocka_unit_test(test_node_errors),
        cmocka_unit_test(test_sealed),         cmocka_unit_test(test_json_digest),
        cmocka_unit_test(test_status_node),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
