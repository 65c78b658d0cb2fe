/*
 * verifier.c: the verifier of every credential form (verifier.h).
 *
 * A state machine: each state is one question to the node, and api_verifier_feed handles its
 * answer and moves on. The local checks run where their inputs are ready: a JSON credential's
 * (proof or seal) at the start, since they need no registry; a VC-JWT's once the provider's keys
 * are known, since its signature is checked against them (PROTOCOL.md 13.5 step 4). The order
 * of the questions:
 *
 *     S_SPEC       record [spec, id]            the spec: its provider, its binding (3.5)
 *     S_PROV_NOW   record [provider, id]        the provider's keys now ...
 *     S_PROV_AT    record [provider, id, at]    ... and at the issue date
 *     S_SEARCH     search {provider}            when the spec is bound to nothing: is another
 *     S_OTHER      record [spec, hit]           spec of the provider bound to the achievement?
 *     S_DERIVED    record [spec, derived]       is the spec an import derives bound to it?
 *     S_STATUS     status.list [provider, at, url]   the credential's status list, when no
 *                                  list was supplied and its credentialStatus names a recnet
 *                                  list (cred_status_list_provider): the node's own providers'
 *     S_VERIFY     verify [claim, cc, purpose, at]
 *
 * S_STATUS comes once, just before S_VERIFY, when every local check passed: the list's answer
 * replaces the report's "status" checks (cred_status, as for a supplied list), and a revoked
 * entry ends the verification NOT VALID naming "status". A node that does not sign the list
 * (RN_EROLE: another country's) or does not know the provider (RN_ENOTFOUND) leaves the status
 * "not checked", with the node's reason.
 *
 * An envelope names its spec and key and goes straight to S_VERIFY. Workload: one credential per
 * verifier, a handful of calls (the search only for specs published by hand).
 */
#include "api/verifier.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api/json.h"
#include "api/import.h"
#include "api/recjson.h"
#include "cred/jcs.h"
#include "cred/jws.h"
#include "cred/status.h"
#include "cred/vcjwt.h"
#include "proto/codes.h"
#include "proto/credential.h"
#include "proto/entry.h"
#include "proto/proof.h"
#include "proto/record.h"
#include "proto/rules.h"

#define NOTE_BYTES   320u
#define REASON_BYTES 640u
#define BINDS_MAX    8u /* ids a credential's achievement is known by */

typedef enum vform { F_NONE = 0, F_ENVELOPE, F_JWT, F_JSON, F_SEALED } vform;

typedef enum vstate {
    S_DONE = 0,
    S_SPEC,
    S_PROV_NOW,
    S_PROV_AT,
    S_SEARCH,
    S_OTHER,
    S_DERIVED,
    S_STATUS,
    S_VERIFY,
} vstate;

struct api_verifier {
    /* The options, copied. */
    char country[8];
    char purpose[32];
    bool at_set;
    uint64_t at_ms;
    bool spec_given;
    bool key_given;
    uint8_t key_given_pk[PROTO_KEY_BYTES];
    cred_opts co; /* docs, trust, status list, now: borrowed */

    uint8_t *file; /* the credential's bytes (owned) */
    size_t file_len;
    vform form;
    vstate state;
    bool asked;     /* the current state's question is built and awaits feed */
    uint32_t calls; /* 0 .. API_VERIFIER_CALLS_MAX */
    ctl_method_id method;
    mp_buf params;

    /* The claim. */
    char form_name[CRED_FORM_BYTES];
    char spec[RN_ID_BYTES_MAX + 1];
    char derived[RN_ID_BYTES_MAX + 1]; /* the spec an import of the credential derives, or "" */
    uint8_t issuer_key[PROTO_KEY_BYTES];
    bool key_is_id; /* issuer_key names a key of issuer_keys_ext (PROTOCOL.md 3.4) */
    bool has_key;
    uint64_t issued_at_ms;
    uint8_t digest[PROTO_DIGEST_BYTES];
    char grade[PROTO_CREDENTIAL_GRADE_BYTES_MAX + 1];
    bool sig_ok;
    char sig_note[NOTE_BYTES];
    json_t *vc;                                  /* the credential object (owned), or NULL */
    char binds[BINDS_MAX][RN_URL_BYTES_MAX + 1]; /* ids its achievement is known by */
    uint32_t binds_n;
    cred_report *rep; /* the local checks (owned), or NULL before they run */
    cred_vcjwt jwt;   /* a VC-JWT, parsed (owned) */

    /* The registry's side. */
    cred_key keys[CRED_KEYS_MAX]; /* the keys tried: the provider's, or the one given */
    uint8_t key_names[CRED_KEYS_MAX][PROTO_KEY_BYTES];
    bool key_ids[CRED_KEYS_MAX];
    size_t keys_n;
    char prov[RN_ID_BYTES_MAX + 1];
    bool spec_held;
    uint32_t spec_sources_n;
    char spec_source[RN_URL_BYTES_MAX + 1]; /* its first source id */
    bool spec_bound_ok;                     /* its sources list the achievement, or are none */
    bool keys_done; /* the key given was tried before the node was asked (no provider keys) */

    /* The search of the provider's specs. */
    char after[RN_ID_BYTES_MAX + 1];
    json_t *hits; /* the page (owned) */
    size_t hit;
    bool more;
    uint32_t pages;
    char other[RN_ID_BYTES_MAX + 1];

    /* The status list asked of the node (S_STATUS). */
    char status_prov[RN_ID_BYTES_MAX + 1]; /* the provider its list names, or "" */
    char status_url[RN_URL_BYTES_MAX + 1]; /* the statusListCredential naming it */
    bool status_asked;
    json_t *status_list; /* the node's list (owned), or NULL */

    /* The answer. */
    api_verify_outcome outcome;
    json_t *answer;
    int err_code;
    char err_field[CTL_FIELD_BYTES];
    char err_msg[REASON_BYTES];
    uint8_t *proof;
    size_t proof_len;
};

api_verifier *api_verifier_new(void)
{
    api_verifier *v = calloc(1, sizeof(*v));
    if (v == NULL)
        return NULL;
    mp_buf_init(&v->params, RN_CONTROL_REQUEST_BYTES_MAX);
    return v;
}

void api_verifier_free(api_verifier *v)
{
    if (v == NULL)
        return;
    free(v->file);
    mp_buf_free(&v->params);
    json_decref(v->vc);
    json_decref(v->hits);
    json_decref(v->status_list);
    json_decref(v->answer);
    if (v->rep != NULL)
        cred_report_free(v->rep);
    free(v->rep);
    if (v->form == F_JWT)
        cred_vcjwt_free(&v->jwt);
    for (size_t i = 0; i < v->keys_n; i++)
        cred_key_free(&v->keys[i]);
    free(v->proof);
    free(v);
}

/* ---- The answer ---- */

static json_t *checks_json(const cred_report *r)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < r->n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(r->checks[i].name));
        json_object_set_new(o, "result", json_string(cred_result_name(r->checks[i].result)));
        json_object_set_new(o, "reason", json_string(r->checks[i].reason));
        json_array_append_new(a, o);
    }
    return a;
}

/* The local facts. */
static json_t *credential_json(const api_verifier *v)
{
    char hex[2 * PROTO_DIGEST_BYTES + 1], kt[PROTO_KEY_TEXT_LEN + 1], t[REC_TIME_BYTES];
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    rec_hex(v->digest, PROTO_DIGEST_BYTES, hex);
    json_object_set_new(o, "form", json_string(v->form_name));
    if (v->spec[0] != '\0')
        json_object_set_new(o, "spec", json_string(v->spec));
    if (v->issued_at_ms != 0) {
        rec_time_format(v->issued_at_ms, t);
        json_object_set_new(o, "issued_at", json_string(t));
    }
    if (v->has_key) {
        proto_key_text_format(v->issuer_key, kt);
        json_object_set_new(o, "issuer_key", json_string(kt));
        if (v->key_is_id)
            json_object_set_new(o, "issuer_key_is_id", json_true());
    }
    json_object_set_new(o, "credential", json_string(hex));
    if (v->grade[0] != '\0')
        json_object_set_new(o, "grade", json_string(v->grade));
    json_object_set_new(o, "signature_ok", json_boolean(v->sig_ok));
    if (v->sig_note[0] != '\0')
        json_object_set_new(o, "signature_note", json_string(v->sig_note));
    if (v->rep != NULL && v->rep->sealer[0] != '\0')
        json_object_set_new(o, "sealed_by", json_string(v->rep->sealer));
    if (v->rep != NULL)
        json_object_set_new(o, "checks", checks_json(v->rep));
    return o;
}

/* Ends with an error and no answer. */
__attribute__((format(printf, 5, 6))) static void
fail(api_verifier *v, api_verify_outcome oc, int code, const char *field, const char *fmt, ...)
{
    va_list ap;
    v->state = S_DONE;
    v->asked = false;
    v->outcome = oc;
    v->err_code = code;
    snprintf(v->err_field, sizeof(v->err_field), "%s", field != NULL ? field : "");
    va_start(ap, fmt);
    vsnprintf(v->err_msg, sizeof(v->err_msg), fmt, ap);
    va_end(ap);
}

/* Ends with an answer the node was not asked for: a local check or the binding refused the
 * credential (NEGATIVE), or the node cannot be asked about it (REFUSED). */
__attribute__((format(printf, 4, 5))) static void done_local(api_verifier *v, api_verify_outcome oc,
                                                             int code, const char *fmt, ...)
{
    va_list ap;
    v->state = S_DONE;
    v->asked = false;
    v->outcome = oc;
    v->err_code = code;
    snprintf(v->err_field, sizeof(v->err_field), "body");
    va_start(ap, fmt);
    vsnprintf(v->err_msg, sizeof(v->err_msg), fmt, ap);
    va_end(ap);
    json_t *o = json_object(), *c = credential_json(v);
    if (o == NULL || c == NULL) {
        json_decref(o);
        json_decref(c);
        fail(v, API_VERIFY_ERROR, RN_ENOMEM, NULL, "out of memory");
        return;
    }
    json_object_set_new(o, "valid_and_recognised", json_false());
    json_object_set_new(o, "node_asked", json_false());
    json_object_set_new(o, "reason", json_string(v->err_msg));
    json_object_set_new(o, "credential", c);
    v->answer = o;
}

/* The names of the failed checks, "exp, iss". */
static void failed_names(const cred_report *r, char *out, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < r->n; i++) {
        if (r->checks[i].result != CRED_FAIL)
            continue;
        int k = snprintf(out + used, n - used, "%s%s", used > 0 ? ", " : "", r->checks[i].name);
        if (k < 0 || (size_t)k >= n - used)
            break;
        used += (size_t)k;
    }
}

static void done_checks_failed(api_verifier *v)
{
    char names[256];
    failed_names(v->rep, names, sizeof(names));
    done_local(v, API_VERIFY_NEGATIVE, RN_ESIG, "NOT VALID: %s (%zu check(s) failed)%s%s", names,
               v->rep->failed, !v->sig_ok && v->sig_note[0] != '\0' ? "; signed " : "",
               !v->sig_ok ? v->sig_note : "");
}

/* Whether a recognition answer recognises (result and outcome, PROTOCOL.md 14). */
static bool recognises(json_t *rec)
{
    const char *result = json_string_value(json_object_get(rec, "result"));
    const char *outcome = json_string_value(json_object_get(rec, "outcome"));
    int r = proto_result_parse(result);
    int o = outcome != NULL ? proto_enum_value_parse(PROTO_ENUM_OUTCOME, outcome) : RN_EENUM;
    return r > 0 && o > 0 && proto_answer_recognises((uint32_t)r, (uint32_t)o);
}

/* ---- The local half ---- */

int api_json_credential_digest(const json_t *vc, uint8_t out[PROTO_DIGEST_BYTES])
{
    cred_buf b;
    json_t *copy = json_copy((json_t *)vc);
    if (copy == NULL)
        return RN_ENOMEM;
    json_object_del(copy, "proof");
    cred_buf_init(&b, CRED_FILE_BYTES_MAX * 2u);
    int rc = cred_jcs_write(copy, &b);
    json_decref(copy);
    if (rc == 0)
        crypto_generichash(out, PROTO_DIGEST_BYTES, (const uint8_t *)b.data, b.len, NULL, 0);
    cred_buf_free(&b);
    return rc;
}

/* The issue date of a credential: awardedDate, else validFrom (Data Model 2.0), else
 * issuanceDate (1.1), else issued (ELM), else a JWT's nbf (seconds). */
static int issued_at(const json_t *vc, const json_t *jwt_payload, uint64_t *ms)
{
    static const char *const dates[] = { "awardedDate", "validFrom", "issuanceDate", "issued" };
    for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
        json_t *d = json_object_get(vc, dates[i]);
        if (json_is_string(d))
            return rec_time_parse(json_string_value(d), json_string_length(d), ms);
    }
    json_t *nbf = json_object_get(jwt_payload, "nbf");
    if (json_is_integer(nbf) && json_integer_value(nbf) >= 0 &&
        (uint64_t)json_integer_value(nbf) <= RN_TIME_MS_MAX / 1000u) {
        *ms = (uint64_t)json_integer_value(nbf) * 1000u;
        return 0;
    }
    return RN_ETIME;
}

static void bind_add(api_verifier *v, const char *id)
{
    if (id == NULL || id[0] == '\0' || strlen(id) > RN_URL_BYTES_MAX || v->binds_n >= BINDS_MAX)
        return;
    for (uint32_t i = 0; i < v->binds_n; i++)
        if (strcmp(v->binds[i], id) == 0)
            return;
    snprintf(v->binds[v->binds_n++], RN_URL_BYTES_MAX + 1, "%s", id);
}

/*
 * What the credential says about its spec: the ids its achievement is known by (the source ids
 * an import records, PROTOCOL.md 3.5, and an Open Badge's achievement id) and the spec id an
 * import derives. Then the spec: the one given, else the derived one. False when the verifier
 * is done (refused).
 */
static bool spec_of(api_verifier *v)
{
    char why[IMP_WHY_BYTES];
    imp_flags none;
    imp_result *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        fail(v, API_VERIFY_ERROR, RN_ENOMEM, NULL, "out of memory");
        return false;
    }
    memset(&none, 0, sizeof(none));
    int rc = imp_map(v->vc, &none, r, why, sizeof(why));
    if (rc == 0) {
        json_t *src = json_object_get(r->spec, "source_ids"), *s;
        size_t i;
        json_array_foreach(src, i, s) bind_add(v, json_string_value(s));
        const char *id = json_string_value(json_object_get(r->spec, "id"));
        if (id != NULL && strlen(id) <= RN_ID_BYTES_MAX)
            snprintf(v->derived, sizeof(v->derived), "%s", id);
    }
    bind_add(
        v, json_string_value(json_object_get(
               json_object_get(json_object_get(v->vc, "credentialSubject"), "achievement"), "id")));
    imp_result_free(r);
    free(r);
    if (!v->spec_given) {
        if (v->derived[0] == '\0') {
            done_local(v, API_VERIFY_REFUSED, RN_EMISSING,
                       "the credential does not say which spec it was issued under (%s): give the "
                       "spec",
                       rc < 0 ? why : "no country of the 30, or no identifier");
            snprintf(v->err_field, sizeof(v->err_field), "spec");
            return false;
        }
        snprintf(v->spec, sizeof(v->spec), "%s", v->derived);
    }
    return true;
}

static bool binds(const api_verifier *v, const proto_spec *s)
{
    for (uint32_t i = 0; i < s->source_ids_n; i++)
        for (uint32_t k = 0; k < v->binds_n; k++)
            if (proto_str_eq(s->source_ids[i], proto_str_c(v->binds[k])))
                return true;
    return false;
}

static void keys_known(api_verifier *v);
static void key_add(api_verifier *v, cred_key *k, const uint8_t name[PROTO_KEY_BYTES], bool is_id);

/* With a key given, the credential is checked against it before the node is asked anything: a
 * credential that fails is answered offline. The spec is asked next, for its binding. */
static void keys_given(api_verifier *v)
{
    if (!v->key_given)
        return;
    cred_key ck;
    cred_key_ed25519(&ck, v->key_given_pk);
    key_add(v, &ck, v->key_given_pk, false);
    v->keys_done = true;
    keys_known(v);
    if (v->state == S_VERIFY)
        v->state = S_SPEC; /* the binding is checked once the spec is read */
}

/* Whether the node is to be asked for the credential's status list: no list was supplied, and a
 * BitstringStatusListEntry names a recnet list (PROTOCOL.md 13.7), whose provider is kept. */
static void status_target(api_verifier *v)
{
    json_t *st = json_object_get(v->vc, "credentialStatus"), *e;
    json_t *one = json_is_object(st) ? json_pack("[O]", st) : json_incref(st);
    size_t i;
    if (v->co.status_list != NULL) {
        json_decref(one);
        return;
    }
    json_array_foreach(one, i, e)
    {
        const char *type = json_string_value(json_object_get(e, "type"));
        const char *url = json_string_value(json_object_get(e, "statusListCredential"));
        char prov[RN_ID_BYTES_MAX + 1];
        if (i >= 8 || type == NULL || strcmp(type, "BitstringStatusListEntry") != 0 ||
            url == NULL || strlen(url) > RN_URL_BYTES_MAX ||
            cred_status_list_provider(url, prov, sizeof(prov)) != 0 ||
            proto_id_check((const uint8_t *)prov, strlen(prov)) < 0)
            continue;
        snprintf(v->status_prov, sizeof(v->status_prov), "%s", prov);
        snprintf(v->status_url, sizeof(v->status_url), "%s", url);
        break;
    }
    json_decref(one);
}

/* The report's status checks made again: against the node's list, or (list NULL) not checked
 * for the reason `note` gives of the list the node was asked for. */
static void status_redo(api_verifier *v, const json_t *list, const char *note)
{
    cred_report *r = v->rep;
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++) {
        const cred_check *c = &r->checks[i];
        if (strcmp(c->name, "status") == 0 || strcmp(c->name, "status list proof") == 0) {
            if (c->result == CRED_FAIL)
                r->failed--;
            else if (c->result == CRED_NOT_CHECKED)
                r->not_checked--;
            continue;
        }
        if (k != i)
            r->checks[k] = *c;
        k++;
    }
    r->n = k;
    size_t from = r->n;
    cred_status(v->vc, list, r);
    for (size_t i = from; list == NULL && i < r->n; i++) {
        cred_check *c = &r->checks[i];
        if (c->result == CRED_NOT_CHECKED && strcmp(c->name, "status") == 0 &&
            strstr(c->reason, v->status_url) != NULL)
            snprintf(c->reason, sizeof(c->reason), "status not checked: %.180s (%.100s)", note,
                     v->status_url);
    }
}

/* The claim of a JSON credential (embedded proof, or sealed), its local checks made. */
static void start_json(api_verifier *v)
{
    char why[512];
    v->rep = malloc(sizeof(*v->rep));
    if (v->rep == NULL) {
        fail(v, API_VERIFY_ERROR, RN_ENOMEM, NULL, "out of memory");
        return;
    }
    int rc = cred_check_buf(v->file, v->file_len, &v->co, v->rep, why, sizeof(why));
    if (rc < 0) {
        cred_report_free(v->rep);
        free(v->rep);
        v->rep = NULL;
        fail(v, rc == RN_ENOMEM ? API_VERIFY_ERROR : API_VERIFY_REFUSED, rc, "body",
             "not a credential read here: %s", why);
        return;
    }
    snprintf(v->form_name, sizeof(v->form_name), "%s", v->rep->form);
    v->form = v->rep->sealer[0] != '\0' ? F_SEALED : F_JSON;
    v->vc = json_incref(v->rep->credential);
    if (v->vc == NULL || api_json_credential_digest(v->vc, v->digest) < 0) {
        fail(v, API_VERIFY_REFUSED, RN_EINVAL, "body", "the credential has no JCS form");
        return;
    }
    if (issued_at(v->vc, NULL, &v->issued_at_ms) < 0) {
        done_local(v, API_VERIFY_REFUSED, RN_ETIME,
                   "the credential has no issue date (awardedDate, validFrom, issuanceDate or "
                   "issued)");
        return;
    }
    if (!spec_of(v))
        return;
    status_target(v);
    if (v->rep->failed > 0) {
        done_checks_failed(v);
        return;
    }
    v->state = S_SPEC;
    keys_given(v);
}

static void start_jwt(api_verifier *v)
{
    char why[512];
    int rc = cred_vcjwt_parse((const char *)v->file, v->file_len, &v->jwt, why, sizeof(why));
    v->form = F_JWT;
    if (rc < 0) {
        fail(v, rc == RN_ENOMEM ? API_VERIFY_ERROR : API_VERIFY_REFUSED, rc, "body",
             "not a VC-JWT read here: %s", why);
        return;
    }
    if (v->jwt.jws.alg == CRED_ALG_NONE) {
        fail(v, API_VERIFY_REFUSED, RN_EINVAL, "body",
             "the token's alg is none of RS256, ES256, EdDSA");
        return;
    }
    snprintf(v->form_name, sizeof(v->form_name), "%sVC-JWT (%s)",
             cred_ob3_is(v->jwt.vc) ? "Open Badges 3.0 " : "", cred_alg_name(v->jwt.jws.alg));
    cred_vcjwt_digest(&v->jwt, v->digest);
    v->vc = json_incref(v->jwt.vc);
    if (issued_at(v->vc, v->jwt.payload, &v->issued_at_ms) < 0) {
        done_local(v, API_VERIFY_REFUSED, RN_ETIME,
                   "the badge has no issue date (awardedDate, validFrom, issuanceDate or nbf)");
        return;
    }
    if (!spec_of(v))
        return;
    status_target(v);
    v->state = S_SPEC;
    keys_given(v);
}

static void start_envelope(api_verifier *v)
{
    proto_credential cr;
    rn_diag d;
    char msg[128];
    memset(&d, 0, sizeof(d));
    v->form = F_ENVELOPE;
    int rc = proto_credential_decode(&cr, v->file, v->file_len, &d);
    if (rc < 0) {
        fail(v, API_VERIFY_REFUSED, rc, d.field != NULL ? d.field : "body",
             "not a valid credential envelope: %s", rn_diag_format(&d, msg, sizeof(msg)));
        return;
    }
    snprintf(v->form_name, sizeof(v->form_name), "recnet credential envelope v1");
    snprintf(v->spec, sizeof(v->spec), "%.*s", (int)cr.spec.len, (const char *)cr.spec.ptr);
    memcpy(v->issuer_key, cr.issuer_key, PROTO_KEY_BYTES);
    v->has_key = true;
    memcpy(v->digest, cr.digest, PROTO_DIGEST_BYTES);
    v->issued_at_ms = cr.issued_at_ms;
    snprintf(v->grade, sizeof(v->grade), "%.*s", (int)cr.grade.len, (const char *)cr.grade.ptr);
    v->sig_ok = proto_credential_verify(&cr) == 0;
    if (!v->sig_ok)
        snprintf(v->sig_note, sizeof(v->sig_note),
                 "the envelope was altered, or not signed by the key it names");
    v->state = S_VERIFY;
}

int api_verifier_start(api_verifier *v, const uint8_t *buf, size_t len, const api_verifier_opts *o)
{
    RN_ASSERT(v->form == F_NONE && v->file == NULL);
    RN_ASSERT(o->country != NULL && o->purpose != NULL);
    snprintf(v->country, sizeof(v->country), "%s", o->country);
    snprintf(v->purpose, sizeof(v->purpose), "%s", o->purpose);
    v->at_set = o->at_set;
    v->at_ms = o->at_ms;
    v->co.docs = o->docs;
    v->co.trust = o->trust;
    v->co.status_list = o->status_list;
    v->co.now_ms = o->now_ms;
    v->key_given = o->issuer_key_set;
    memcpy(v->key_given_pk, o->issuer_key, PROTO_KEY_BYTES);
    v->file = malloc(len > 0 ? len : 1);
    if (v->file == NULL)
        return RN_ENOMEM;
    if (len > 0)
        memcpy(v->file, buf, len);
    v->file_len = len;
    if (o->spec != NULL) {
        if (proto_id_check((const uint8_t *)o->spec, strlen(o->spec)) < 0) {
            fail(v, API_VERIFY_REFUSED, RN_EID, "spec", "spec %.140s: expected a spec id CC:ref",
                 o->spec);
            return 0;
        }
        v->spec_given = true;
        snprintf(v->spec, sizeof(v->spec), "%s", o->spec);
    }
    if (len > CRED_FILE_BYTES_MAX) {
        fail(v, API_VERIFY_REFUSED, RN_ETOOBIG, "body", "a credential is at most %u bytes",
             CRED_FILE_BYTES_MAX);
    } else if (len > 0 && buf[0] == 0x97) {
        if (o->spec != NULL) {
            char given[RN_ID_BYTES_MAX + 1];
            snprintf(given, sizeof(given), "%s", o->spec);
            start_envelope(v);
            if (v->state != S_DONE && strcmp(given, v->spec) != 0)
                fail(v, API_VERIFY_REFUSED, RN_EINCONSISTENT, "spec",
                     "spec %s: the envelope names its own spec, %s", given, v->spec);
        } else {
            start_envelope(v);
        }
        if (v->state != S_DONE && o->issuer_key_set)
            fail(v, API_VERIFY_REFUSED, RN_EINCONSISTENT, "issuer_key",
                 "the envelope names its own issuer key");
    } else if (cred_jws_looks_compact(buf, len)) {
        start_jwt(v);
    } else {
        /* JSON: a credential with an embedded proof, or sealed; the checks say what else. */
        start_json(v);
    }
    return 0;
}

/* ---- The registry's keys ---- */

static void key_add(api_verifier *v, cred_key *k, const uint8_t name[PROTO_KEY_BYTES], bool is_id)
{
    for (size_t m = 0; m < v->keys_n; m++) {
        if (v->key_ids[m] == is_id && memcmp(v->key_names[m], name, PROTO_KEY_BYTES) == 0 &&
            cred_key_equal(&v->keys[m], k)) {
            cred_key_free(k);
            return;
        }
    }
    if (v->keys_n >= CRED_KEYS_MAX) {
        cred_key_free(k);
        return;
    }
    v->keys[v->keys_n] = *k;
    memset(k, 0, sizeof(*k));
    memcpy(v->key_names[v->keys_n], name, PROTO_KEY_BYTES);
    v->key_ids[v->keys_n++] = is_id;
}

/* The keys of an issuer key of a later form: a JWK; a did:key or did:jwk resolved locally; a
 * did:web (or a DID URL of one) from the supplied documents, every verification method of its
 * document when the DID names none. A key that resolves to nothing verifies nothing. */
static void ext_keys(api_verifier *v, const proto_issuer_key_ext *k)
{
    uint8_t id[PROTO_DIGEST_BYTES];
    char why[256];
    cred_key ck;
    memset(&ck, 0, sizeof(ck));
    proto_issuer_key_ext_id(k, id);
    if (k->form == PROTO_KEY_FORM_JWK) {
        json_t *j = json_loadb((const char *)k->key.ptr, k->key.len, 0, NULL);
        if (j != NULL && cred_key_from_jwk(j, &ck, why, sizeof(why)) == 0)
            key_add(v, &ck, id, true);
        json_decref(j);
        return;
    }
    char s[RN_ISSUER_DID_BYTES_MAX + 1];
    snprintf(s, sizeof(s), "%.*s", (int)k->key.len, (const char *)k->key.ptr);
    cred_resolved res;
    if (cred_resolve(v->co.docs, s, &res, why, sizeof(why)) == 0) {
        key_add(v, &res.key, id, true);
        cred_resolved_free(&res);
        return;
    }
    const json_t *doc = strchr(s, '#') == NULL ? cred_docs_get(v->co.docs, s) : NULL;
    json_t *vms = json_object_get(doc, "verificationMethod"), *m;
    size_t i;
    json_array_foreach(vms, i, m)
    {
        const char *mid = json_string_value(json_object_get(m, "id"));
        char full[CRED_ID_BYTES_MAX + 1];
        if (mid == NULL || i >= CRED_VM_PER_DOC_MAX)
            continue;
        snprintf(full, sizeof(full), "%s%s", mid[0] == '#' ? s : "", mid);
        if (cred_resolve(v->co.docs, full, &res, why, sizeof(why)) == 0) {
            key_add(v, &res.key, id, true);
            cred_resolved_free(&res);
        }
    }
}

static void provider_keys(api_verifier *v, const proto_provider *p)
{
    for (uint32_t k = 0; k < p->issuer_keys_n; k++) {
        cred_key ck;
        cred_key_ed25519(&ck, p->issuer_keys[k].key);
        key_add(v, &ck, p->issuer_keys[k].key, false);
    }
    for (uint32_t k = 0; k < p->issuer_keys_ext_n; k++)
        ext_keys(v, &p->issuer_keys_ext[k]);
}

/* The key that verified, as a claim's issuer key: the index among v->keys, or SIZE_MAX. */
static size_t key_match(const api_verifier *v)
{
    if (v->form == F_JWT)
        return v->rep->key_index < v->keys_n ? v->rep->key_index : SIZE_MAX;
    for (size_t i = 0; i < v->keys_n; i++)
        if (cred_key_equal(&v->keys[i], &v->rep->key))
            return i;
    return SIZE_MAX;
}

static void binding(api_verifier *v);

/* The keys are known: the VC-JWT's checks run with them; the key that verified is matched. */
static void keys_known(api_verifier *v)
{
    char why[512];
    if (v->form == F_JWT) {
        v->rep = malloc(sizeof(*v->rep));
        if (v->rep == NULL) {
            fail(v, API_VERIFY_ERROR, RN_ENOMEM, NULL, "out of memory");
            return;
        }
        v->co.keys = v->keys;
        v->co.keys_n = v->keys_n;
        int rc = cred_check_buf(v->file, v->file_len, &v->co, v->rep, why, sizeof(why));
        v->co.keys = NULL;
        v->co.keys_n = 0;
        if (rc < 0) {
            cred_report_free(v->rep);
            free(v->rep);
            v->rep = NULL;
            fail(v, rc == RN_ENOMEM ? API_VERIFY_ERROR : API_VERIFY_REFUSED, rc, "body",
                 "not a VC-JWT read here: %s", why);
            return;
        }
        snprintf(v->form_name, sizeof(v->form_name), "%s", v->rep->form);
    }
    const cred_check *sig = cred_report_find(v->rep, v->form == F_JWT    ? "signature"
                                                     : v->form == F_JSON ? "proof"
                                                                         : "seal");
    bool verified = sig != NULL && sig->result == CRED_PASS;
    size_t k = verified ? key_match(v) : SIZE_MAX;
    if (k != SIZE_MAX) {
        v->sig_ok = true;
        v->has_key = true;
        v->key_is_id = v->key_ids[k];
        memcpy(v->issuer_key, v->key_names[k], PROTO_KEY_BYTES);
        if (v->key_given)
            snprintf(v->sig_note, sizeof(v->sig_note), "by the key given");
        else
            snprintf(v->sig_note, sizeof(v->sig_note), "by an issuer key of %s", v->prov);
    } else if (verified && v->key_given) {
        snprintf(v->sig_note, sizeof(v->sig_note),
                 "by a key the credential names, not by the key given");
    } else if (verified) {
        snprintf(v->sig_note, sizeof(v->sig_note),
                 "by a key the credential names, which is none of the %zu issuer key(s) of %s",
                 v->keys_n, v->prov);
    } else if (v->key_given) {
        snprintf(v->sig_note, sizeof(v->sig_note), "not by the key given");
    } else {
        snprintf(v->sig_note, sizeof(v->sig_note), "by none of the %zu issuer key(s) of %s",
                 v->keys_n, v->prov);
    }
    if (v->rep->failed > 0) {
        done_checks_failed(v);
        return;
    }
    if (sig != NULL && sig->result == CRED_NOT_CHECKED) {
        /* No key verified anything: nothing can be claimed of the provider. */
        done_local(v, API_VERIFY_REFUSED, RN_EENUM,
                   "the %s could not be checked (%s): the node cannot be asked whether the "
                   "provider issued it",
                   sig->name, sig->reason);
        return;
    }
    if (!v->sig_ok) {
        done_local(v, API_VERIFY_NEGATIVE, RN_ESIG,
                   "NOT VALID: the %s verifies %s: the node cannot be asked whether the "
                   "provider issued it",
                   v->form == F_JWT    ? "signature"
                   : v->form == F_JSON ? "proof"
                                       : "seal",
                   v->sig_note);
        return;
    }
    binding(v);
}

/* ---- Binding (PROTOCOL.md 3.5) ---- */

/* "badge's" for an Open Badge, "credential's" for a European Digital Credential. */
static const char *holder_word(const api_verifier *v)
{
    return v->form == F_SEALED ? "credential's" : "badge's";
}

static void derived_check(api_verifier *v)
{
    if (v->derived[0] != '\0' && strcmp(v->derived, v->spec) != 0 && v->binds_n > 0)
        v->state = S_DERIVED;
    else
        v->state = S_VERIFY;
}

static void binding(api_verifier *v)
{
    if (!v->spec_held) {
        v->state = S_VERIFY;
        return;
    }
    if (!v->spec_bound_ok) {
        done_local(v, API_VERIFY_NEGATIVE, RN_EINCONSISTENT,
                   "the %s achievement %s is not what spec %s was imported from (%s): not a "
                   "credential of that spec",
                   holder_word(v), v->binds_n > 0 ? v->binds[0] : "(none)", v->spec,
                   v->spec_source);
        return;
    }
    if (v->spec_sources_n == 0 && v->binds_n > 0 && v->prov[0] != '\0') {
        v->state = S_SEARCH;
        return;
    }
    derived_check(v);
}

/* ---- Questions and answers ---- */

static void put_record(mp_buf *p, const char *kind, const char *id, bool at, uint64_t at_ms)
{
    mp_put_array(p, 3);
    mp_put_cstr(p, kind);
    mp_put_cstr(p, id);
    if (at)
        mp_put_uint(p, at_ms);
    else
        mp_put_nil(p);
}

static void build(api_verifier *v)
{
    mp_buf *p = &v->params;
    mp_buf_reset(p);
    switch (v->state) {
    case S_SPEC:
        v->method = CTL_M_RECORD;
        put_record(p, "spec", v->spec, false, 0);
        break;
    case S_PROV_NOW:
    case S_PROV_AT:
        v->method = CTL_M_RECORD;
        put_record(p, "provider", v->prov, v->state == S_PROV_AT, v->issued_at_ms);
        break;
    case S_OTHER:
        v->method = CTL_M_RECORD;
        put_record(p, "spec", v->other, false, 0);
        break;
    case S_DERIVED:
        v->method = CTL_M_RECORD;
        put_record(p, "spec", v->derived, false, 0);
        break;
    case S_SEARCH:
        v->method = CTL_M_SEARCH;
        mp_put_array(p, 4);
        mp_put_map(p, 1);
        mp_put_cstr(p, "provider");
        mp_put_cstr(p, v->prov);
        mp_put_nil(p);
        if (v->after[0] != '\0')
            mp_put_cstr(p, v->after);
        else
            mp_put_nil(p);
        mp_put_uint(p, RN_SEARCH_RESULTS_MAX);
        break;
    case S_STATUS:
        v->method = CTL_M_STATUS_LIST;
        mp_put_array(p, 3);
        mp_put_cstr(p, v->status_prov);
        if (v->at_set)
            mp_put_uint(p, v->at_ms);
        else
            mp_put_nil(p);
        mp_put_cstr(p, v->status_url);
        break;
    case S_VERIFY:
        v->method = CTL_M_VERIFY;
        mp_put_array(p, 4);
        mp_put_map(p, 4);
        mp_put_cstr(p, "spec");
        mp_put_cstr(p, v->spec);
        mp_put_cstr(p, v->key_is_id ? "issuer_key_id" : "issuer_key");
        mp_put_bin(p, v->issuer_key, PROTO_KEY_BYTES);
        mp_put_cstr(p, "issued_at");
        mp_put_uint(p, v->issued_at_ms);
        mp_put_cstr(p, "credential");
        mp_put_bin(p, v->digest, PROTO_DIGEST_BYTES);
        mp_put_cstr(p, v->country);
        mp_put_cstr(p, v->purpose);
        if (v->at_set)
            mp_put_uint(p, v->at_ms);
        else
            mp_put_nil(p);
        break;
    case S_DONE:
    default:
        RN_ASSERT(false);
    }
}

api_verifier_step api_verifier_next(api_verifier *v, ctl_method_id *method, const uint8_t **params,
                                    size_t *params_len)
{
    if (v->state == S_DONE)
        return API_VERIFIER_DONE;
    if (!v->asked) {
        if (v->state == S_VERIFY && !v->status_asked && v->status_prov[0] != '\0' &&
            v->rep != NULL) {
            v->status_asked = true;
            v->state = S_STATUS; /* the status list first: the claim waits for it */
        }
        if (v->calls >= API_VERIFIER_CALLS_MAX) {
            fail(v, API_VERIFY_ERROR, RN_ECOUNT, NULL, "more than %u node calls for one credential",
                 API_VERIFIER_CALLS_MAX);
            return API_VERIFIER_DONE;
        }
        build(v);
        if (v->params.err != 0) {
            fail(v, API_VERIFY_ERROR, RN_ENOMEM, NULL, "out of memory");
            return API_VERIFIER_DONE;
        }
        v->asked = true;
        v->calls++;
    }
    *method = v->method;
    *params = v->params.data;
    *params_len = v->params.len;
    return API_VERIFIER_NEED;
}

/* The node's error as the verifier's: not found is a negative answer, the node's own failures
 * errors, the rest a refusal of what was asked. */
static void node_error(api_verifier *v, const ctl_response *r, const char *what)
{
    api_verify_outcome oc;
    switch (r->code) {
    case RN_ENOTFOUND:
        oc = API_VERIFY_NEGATIVE;
        break;
    case RN_EROLE:
    case RN_ESTORE:
    case RN_EFULL:
    case RN_ECORRUPT:
    case RN_ENOMEM:
    case RN_EIO:
        oc = API_VERIFY_ERROR;
        break;
    default:
        oc = API_VERIFY_REFUSED;
        break;
    }
    char field[CTL_FIELD_BYTES];
    snprintf(field, sizeof(field), "%.*s", (int)r->field_len,
             r->field != NULL ? (const char *)r->field : "");
    fail(v, oc, r->code, field, "%s: %.*s", what, (int)r->message_len,
         r->message != NULL ? (const char *)r->message : rn_strerror(r->code));
}

/*
 * The record a `record` answer holds: its entry decoded, its signature checked, its body of
 * `kind` decoded into *rec (borrowing *entry, which the caller frees). Returns 0, RN_ENOTFOUND
 * (the node holds no such record, or predates the method), or RN_EMALFORMED (the verifier is then
 * done with an error).
 */
static int record_of(api_verifier *v, const ctl_response *r, proto_kind kind, uint8_t **entry,
                     proto_record *rec)
{
    mp_cur val;
    const uint8_t *b;
    uint32_t n;
    proto_entry e;
    *entry = NULL;
    if (r->is_error) {
        if (r->code == RN_ENOTFOUND || r->code == RN_EINVAL)
            return RN_ENOTFOUND;
        node_error(v, r, "record");
        return RN_EMALFORMED;
    }
    if (!api_map_get(r->result, "bytes", &val) || mp_read_bin(&val, &b, &n) < 0 ||
        (*entry = malloc(n > 0 ? n : 1)) == NULL) {
        fail(v, API_VERIFY_ERROR, RN_EMALFORMED, NULL, "record: malformed result");
        return RN_EMALFORMED;
    }
    memcpy(*entry, b, n);
    if (proto_entry_decode(&e, *entry, n, NULL) < 0 || proto_entry_verify(&e) < 0 ||
        e.kind != kind || proto_record_decode(rec, kind, e.body, e.body_len, NULL) < 0) {
        fail(v, API_VERIFY_ERROR, RN_EMALFORMED, NULL,
             "record: the node answered with an entry that does not decode or verify");
        return RN_EMALFORMED;
    }
    return 0;
}

static void next_hit(api_verifier *v)
{
    size_t n = json_array_size(v->hits);
    while (v->hit < n) {
        const char *id =
            json_string_value(json_object_get(json_array_get(v->hits, v->hit), "spec_id"));
        if (id == NULL || strlen(id) > RN_ID_BYTES_MAX || strcmp(id, v->spec) == 0) {
            v->hit++;
            continue;
        }
        snprintf(v->after, sizeof(v->after), "%s", id);
        snprintf(v->other, sizeof(v->other), "%s", id);
        v->state = S_OTHER;
        return;
    }
    if (v->more && n > 0 && v->pages < API_VERIFIER_SEARCH_PAGES_MAX) {
        /* The next page starts after the last hit, whatever it was. */
        const char *last =
            json_string_value(json_object_get(json_array_get(v->hits, n - 1), "spec_id"));
        if (last != NULL && strlen(last) <= RN_ID_BYTES_MAX) {
            snprintf(v->after, sizeof(v->after), "%s", last);
            v->state = S_SEARCH;
            return;
        }
    }
    derived_check(v);
}

static void on_verify(api_verifier *v, const ctl_response *r)
{
    if (r->is_error) {
        node_error(v, r, "verify");
        return;
    }
    mp_cur pv;
    const uint8_t *b;
    uint32_t n;
    json_t *res = api_json_from_mp(r->result);
    if (res == NULL || !json_is_object(res)) {
        json_decref(res);
        fail(v, API_VERIFY_ERROR, RN_EMALFORMED, NULL, "verify: malformed result");
        return;
    }
    if (api_map_get(r->result, "proof", &pv) && mp_read_bin(&pv, &b, &n) == 0) {
        v->proof = malloc(n > 0 ? n : 1);
        if (v->proof != NULL) {
            memcpy(v->proof, b, n);
            v->proof_len = n;
        }
    }
    api_json_drop_proof(res, r->result);
    bool valid = json_is_true(json_object_get(res, "valid"));
    bool ok = v->sig_ok && valid && recognises(json_object_get(res, "recognition"));
    json_t *o = json_object(), *c = credential_json(v);
    if (o == NULL || c == NULL) {
        json_decref(o);
        json_decref(c);
        json_decref(res);
        fail(v, API_VERIFY_ERROR, RN_ENOMEM, NULL, "out of memory");
        return;
    }
    json_object_set_new(o, "valid_and_recognised", json_boolean(ok));
    json_object_set_new(o, "node_asked", json_true());
    json_object_set_new(o, "credential", c);
    json_object_set_new(o, "node", res);
    v->answer = o;
    v->outcome = ok ? API_VERIFY_VALID : API_VERIFY_NEGATIVE;
    v->state = S_DONE;
}

/* The node's status list: the status checked against it, else said not checked and why. */
static void on_status(api_verifier *v, const ctl_response *r)
{
    char note[REASON_BYTES];
    if (r->is_error) {
        bool old = r->code == RN_EINVAL && r->field != NULL && r->field_len == 14 &&
                   memcmp(r->field, "request.method", 14) == 0;
        if (r->code == RN_EROLE)
            snprintf(note, sizeof(note),
                     "the list is signed by the authority of %.2s; this node is not it (%.*s)",
                     v->status_prov, (int)r->message_len,
                     r->message != NULL ? (const char *)r->message : "");
        else if (r->code == RN_ENOTFOUND)
            snprintf(note, sizeof(note), "the node holds no provider %s, whose list it names",
                     v->status_prov);
        else if (old)
            snprintf(note, sizeof(note), "the node predates status.list");
        else {
            node_error(v, r, "status.list");
            return;
        }
        status_redo(v, NULL, note);
        v->state = S_VERIFY;
        return;
    }
    mp_cur cv;
    const uint8_t *b;
    uint32_t n;
    json_t *list = NULL;
    if (api_map_get(r->result, "credential", &cv) && mp_read_str(&cv, &b, &n) == 0)
        list = json_loadb((const char *)b, n, 0, NULL);
    if (!json_is_object(list)) {
        json_decref(list);
        fail(v, API_VERIFY_ERROR, RN_EMALFORMED, NULL,
             "status.list: the node answered with no status list credential");
        return;
    }
    json_decref(v->status_list);
    v->status_list = list;
    status_redo(v, list, NULL);
    if (v->rep->failed > 0)
        done_checks_failed(v);
    else
        v->state = S_VERIFY;
}

void api_verifier_feed(api_verifier *v, const uint8_t *buf, size_t len)
{
    ctl_response r;
    if (v->state == S_DONE || !v->asked)
        return;
    v->asked = false;
    if (buf == NULL || ctl_response_decode(&r, buf, len) != 0) {
        fail(v, API_VERIFY_ERROR, RN_EIO, NULL, "the node did not answer");
        return;
    }
    if (v->state == S_VERIFY) {
        on_verify(v, &r);
        return;
    }
    if (v->state == S_STATUS) {
        on_status(v, &r);
        return;
    }
    if (v->state == S_SEARCH) {
        if (r.is_error) {
            node_error(v, &r, "search");
            return;
        }
        json_t *res = api_json_from_mp(r.result);
        json_decref(v->hits);
        v->hits = json_incref(json_object_get(res, "hits"));
        v->more = json_is_true(json_object_get(res, "more"));
        json_decref(res);
        if (!json_is_array(v->hits)) {
            fail(v, API_VERIFY_ERROR, RN_EMALFORMED, NULL, "search: malformed result");
            return;
        }
        v->hit = 0;
        v->pages++;
        next_hit(v);
        return;
    }
    proto_record *rec = malloc(sizeof(*rec));
    uint8_t *entry = NULL;
    if (rec == NULL) {
        fail(v, API_VERIFY_ERROR, RN_ENOMEM, NULL, "out of memory");
        return;
    }
    bool spec_kind = v->state == S_SPEC || v->state == S_OTHER || v->state == S_DERIVED;
    int rc = record_of(v, &r, spec_kind ? PROTO_KIND_SPEC : PROTO_KIND_PROVIDER, &entry, rec);
    if (rc == RN_EMALFORMED)
        goto out;
    switch (v->state) {
    case S_SPEC:
        if (rc == RN_ENOTFOUND) {
            if (v->keys_done) {
                v->state = S_VERIFY; /* the node's verify says the spec is unknown */
            } else {
                done_local(v, API_VERIFY_NEGATIVE, RN_ENOTFOUND,
                           "the node holds no spec %s: not a credential of a registered spec",
                           v->spec);
            }
            break;
        }
        v->spec_held = true;
        snprintf(v->prov, sizeof(v->prov), "%.*s", (int)rec->u.spec.provider.len,
                 (const char *)rec->u.spec.provider.ptr);
        v->spec_sources_n = rec->u.spec.source_ids_n;
        if (v->spec_sources_n > 0)
            snprintf(v->spec_source, sizeof(v->spec_source), "%.*s",
                     (int)rec->u.spec.source_ids[0].len,
                     (const char *)rec->u.spec.source_ids[0].ptr);
        v->spec_bound_ok = v->spec_sources_n == 0 || binds(v, &rec->u.spec);
        if (v->keys_done)
            binding(v);
        else
            v->state = S_PROV_NOW;
        break;
    case S_PROV_NOW:
    case S_PROV_AT:
        if (rc == 0)
            provider_keys(v, &rec->u.provider);
        if (v->state == S_PROV_NOW)
            v->state = S_PROV_AT;
        else
            keys_known(v);
        break;
    case S_OTHER:
        if (rc == 0 && binds(v, &rec->u.spec)) {
            done_local(v, API_VERIFY_NEGATIVE, RN_EINCONSISTENT,
                       "the %s achievement %s is bound to spec %s, not %s", holder_word(v),
                       v->binds[0], v->other, v->spec);
            break;
        }
        v->hit++;
        next_hit(v);
        break;
    case S_DERIVED:
        if (rc == 0 && binds(v, &rec->u.spec)) {
            done_local(v, API_VERIFY_NEGATIVE, RN_EINCONSISTENT,
                       "the %s achievement %s is bound to spec %s, not %s", holder_word(v),
                       v->binds[0], v->derived, v->spec);
            break;
        }
        v->state = S_VERIFY;
        break;
    case S_DONE:
    case S_SEARCH:
    case S_STATUS:
    case S_VERIFY:
    default:
        RN_ASSERT(false);
    }
out:
    free(entry);
    free(rec);
}

/* ---- Results ---- */

api_verify_outcome api_verifier_outcome(const api_verifier *v)
{
    RN_ASSERT(v->state == S_DONE);
    return v->outcome;
}

json_t *api_verifier_answer(const api_verifier *v)
{
    return v->state == S_DONE ? v->answer : NULL;
}

int api_verifier_error(const api_verifier *v, const char **field, const char **message)
{
    *field = v->err_field;
    *message = v->err_msg;
    return v->err_code;
}

const uint8_t *api_verifier_proof(const api_verifier *v, size_t *len)
{
    *len = v->proof_len;
    return v->proof;
}

uint32_t api_verifier_calls(const api_verifier *v)
{
    return v->calls;
}
