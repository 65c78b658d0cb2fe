/*
 * verify.c: the verify question from a credential envelope (verify.h).
 */
#include "api/verify.h"

#include <stdio.h>
#include <string.h>

#include "cli/recjson.h"
#include "proto/codes.h"
#include "proto/proof.h"
#include "proto/rules.h"

int api_claim_of_envelope(api_claim *cl, const uint8_t *buf, size_t len, rn_diag *d)
{
    proto_credential cr;
    memset(cl, 0, sizeof(*cl));
    RN_TRY(proto_credential_decode(&cr, buf, len, d));
    cl->form = "recnet credential envelope v1";
    snprintf(cl->spec, sizeof(cl->spec), "%.*s", (int)cr.spec.len, (const char *)cr.spec.ptr);
    memcpy(cl->issuer_key, cr.issuer_key, PROTO_KEY_BYTES);
    memcpy(cl->digest, cr.digest, PROTO_DIGEST_BYTES);
    cl->issued_at_ms = cr.issued_at_ms;
    snprintf(cl->grade, sizeof(cl->grade), "%.*s", (int)cr.grade.len, (const char *)cr.grade.ptr);
    cl->sig_ok = proto_credential_verify(&cr) == 0;
    if (!cl->sig_ok)
        snprintf(cl->sig_note, sizeof(cl->sig_note),
                 "the envelope was altered, or not signed by the key it names");
    return 0;
}

void api_claim_put(mp_buf *b, const api_claim *cl)
{
    mp_put_map(b, 4);
    mp_put_cstr(b, "spec");
    mp_put_cstr(b, cl->spec);
    mp_put_cstr(b, "issuer_key");
    mp_put_bin(b, cl->issuer_key, PROTO_KEY_BYTES);
    mp_put_cstr(b, "issued_at");
    mp_put_uint(b, cl->issued_at_ms);
    mp_put_cstr(b, "credential");
    mp_put_bin(b, cl->digest, PROTO_DIGEST_BYTES);
}

json_t *api_claim_json(const api_claim *cl)
{
    char hex[2 * PROTO_DIGEST_BYTES + 1], kt[PROTO_KEY_TEXT_LEN + 1], t[REC_TIME_BYTES];
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    rec_hex(cl->digest, PROTO_DIGEST_BYTES, hex);
    proto_key_text_format(cl->issuer_key, kt);
    rec_time_format(cl->issued_at_ms, t);
    json_object_set_new(o, "form", json_string(cl->form));
    json_object_set_new(o, "spec", json_string(cl->spec));
    json_object_set_new(o, "issued_at", json_string(t));
    json_object_set_new(o, "issuer_key", json_string(kt));
    json_object_set_new(o, "credential", json_string(hex));
    if (cl->grade[0] != '\0')
        json_object_set_new(o, "grade", json_string(cl->grade));
    json_object_set_new(o, "signature_ok", json_boolean(cl->sig_ok));
    if (cl->sig_note[0] != '\0')
        json_object_set_new(o, "signature_note", json_string(cl->sig_note));
    return o;
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

json_t *api_verify_json(const api_claim *cl, json_t *node)
{
    bool valid = json_is_true(json_object_get(node, "valid"));
    bool ok = cl->sig_ok && valid && recognises(json_object_get(node, "recognition"));
    json_t *o = json_object(), *c = api_claim_json(cl);
    if (o == NULL || c == NULL) {
        json_decref(o);
        json_decref(c);
        return NULL;
    }
    json_object_set_new(o, "valid_and_recognised", json_boolean(ok));
    json_object_set_new(o, "credential", c);
    json_object_set(o, "node", node);
    return o;
}
