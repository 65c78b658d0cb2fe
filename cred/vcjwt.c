/*
 * vcjwt.c: VC-JWT parsing and checks (vcjwt.h). Keys are gathered as candidates in the order a
 * verifier should trust them least-surprisingly: what the header names (jwk, or kid resolved
 * without the network), else what the issuer's supplied document lists, then the keys the caller
 * supplies; the first that verifies is the one reported.
 */
#include "vcjwt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "codec.h"
#include "json.h"

/* Keys tried for one token, from all sources together. */
#define CANDIDATES_MAX (CRED_KEYS_MAX + 2u * CRED_VM_PER_DOC_MAX / 8u)

typedef struct candidate {
    cred_key key;        /* owned, or a copy of a caller's key */
    char *vm;            /* owned: its id, or NULL */
    char *controller;    /* owned: who controls it, or NULL */
    const char *source;  /* "the header's jwk", ... (static) */
    size_t caller_index; /* index in cred_opts.keys, or SIZE_MAX */
} candidate;

int cred_vcjwt_parse(const char *s, size_t len, cred_vcjwt *j, char *why, size_t why_len)
{
    memset(j, 0, sizeof(*j));
    int rc = cred_jws_parse_compact(s, len, &j->jws, why, why_len);
    if (rc < 0)
        return rc;
    rc = cred_json_loadb((const char *)j->jws.payload, j->jws.payload_len, &j->payload, NULL, 0);
    if (rc == RN_ENOMEM)
        return rc;
    if (!json_is_object(j->payload)) {
        snprintf(why, why_len, "the JWS payload is not a JSON object");
        return RN_EMALFORMED;
    }
    j->vc = json_object_get(j->payload, "vc");
    j->vc_claim = j->vc != NULL;
    if (j->vc == NULL)
        j->vc = j->payload;
    if (!json_is_object(j->vc)) {
        snprintf(why, why_len, "the payload's vc claim is not an object");
        return RN_EMALFORMED;
    }
    return 0;
}

void cred_vcjwt_digest(const cred_vcjwt *j, uint8_t out[CRED_DIGEST_BYTES])
{
    crypto_generichash(out, CRED_DIGEST_BYTES, (const uint8_t *)j->jws.signing_input,
                       j->jws.signing_len, NULL, 0);
}

int cred_vcjwt_verify(const cred_vcjwt *j, const cred_key *k)
{
    return cred_jws_verify(&j->jws, k);
}

void cred_vcjwt_free(cred_vcjwt *j)
{
    cred_jws_free(&j->jws);
    json_decref(j->payload);
    memset(j, 0, sizeof(*j));
}

/* ---- checks ---- */

static void claim_time(const cred_vcjwt *j, const char *name, bool until, uint64_t now_ms,
                       cred_report *r)
{
    json_t *v = json_object_get(j->payload, name);
    char t[21], n[21];
    if (v == NULL)
        return;
    if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 253402300799.0) {
        cred_report_add(r, name, CRED_FAIL, "the %s claim is not a NumericDate", name);
        return;
    }
    uint64_t ms = (uint64_t)(json_number_value(v) * 1000.0);
    cred_time_format(ms, t);
    cred_time_format(now_ms, n);
    if (until && ms <= now_ms)
        cred_report_add(r, name, CRED_FAIL, "expired: exp is %s, before %s", t, n);
    else if (!until && ms > now_ms)
        cred_report_add(r, name, CRED_FAIL, "not yet valid: nbf is %s, after %s", t, n);
    else
        cred_report_add(r, name, CRED_PASS, "%s %s (checked at %s)", name, t, n);
}

/* A claim that must equal a property of the credential. */
static void claim_equal(const cred_vcjwt *j, const char *claim, const char *what, const char *want,
                        bool required, cred_report *r)
{
    json_t *v = json_object_get(j->payload, claim);
    if (v == NULL) {
        if (required)
            cred_report_add(r, claim, CRED_FAIL, "the %s claim is missing (it must be %s)", claim,
                            what);
        return;
    }
    const char *s = json_string_value(v);
    if (s == NULL)
        cred_report_add(r, claim, CRED_FAIL, "the %s claim is not a string", claim);
    else if (want == NULL)
        cred_report_add(r, claim, CRED_FAIL, "%s is %.120s, but the credential has no %s", claim, s,
                        what);
    else if (strcmp(s, want) != 0)
        cred_report_add(r, claim, CRED_FAIL, "%s is %.120s, but %s is %.120s", claim, s, what,
                        want);
    else
        cred_report_add(r, claim, CRED_PASS, "%s = %s", claim, what);
}

static bool add_candidate(candidate *c, size_t *n, const cred_key *k, bool copy, const char *vm,
                          const char *controller, const char *source, size_t caller_index)
{
    if (*n >= CANDIDATES_MAX)
        return false;
    candidate *d = &c[*n];
    memset(d, 0, sizeof(*d));
    d->vm = vm != NULL ? strdup(vm) : NULL;
    d->controller = controller != NULL ? strdup(controller) : NULL;
    if ((vm != NULL && d->vm == NULL) || (controller != NULL && d->controller == NULL) ||
        (copy && cred_key_copy(&d->key, k) < 0)) {
        free(d->vm);
        free(d->controller);
        return false;
    }
    if (!copy)
        d->key = *k;
    d->source = source;
    d->caller_index = caller_index;
    (*n)++;
    return true;
}

/* The keys the issuer's own supplied document lists (an issuer profile or DID document). */
static void issuer_doc_keys(const cred_opts *o, const char *issuer, candidate *c, size_t *n)
{
    static const char *const lists[] = { "verificationMethod", "assertionMethod", "publicKey" };
    const json_t *doc = cred_docs_get(o->docs, issuer);
    if (doc == NULL)
        return;
    for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
        json_t *list = json_object_get(doc, lists[l]);
        size_t cnt = json_is_array(list) ? json_array_size(list) : (list != NULL ? 1 : 0);
        for (size_t i = 0; i < cnt && i < CRED_VM_PER_DOC_MAX; i++) {
            json_t *m = json_is_array(list) ? json_array_get(list, i) : list;
            const char *id = json_is_string(m) ? json_string_value(m)
                                               : json_string_value(json_object_get(m, "id"));
            char full[CRED_ID_BYTES_MAX + 1];
            cred_resolved res;
            if (id == NULL)
                continue;
            snprintf(full, sizeof(full), "%s%s", id[0] == '#' ? issuer : "", id);
            if (cred_resolve(o->docs, full, &res, NULL, 0) == 0 &&
                !add_candidate(c, n, &res.key, false, full, res.controller, "the issuer's document",
                               SIZE_MAX))
                cred_resolved_free(&res);
        }
    }
}

void cred_vcjwt_check(const cred_vcjwt *j, const cred_opts *o, cred_report *r)
{
    candidate c[CANDIDATES_MAX];
    size_t n = 0;
    char why[CRED_REASON_BYTES];
    const char *issuer = cred_issuer_id(j->vc);
    bool key_failed = false;
    json_t *jwk = json_object_get(j->jws.header, "jwk");
    const char *kid = json_string_value(json_object_get(j->jws.header, "kid"));
    if (jwk != NULL) {
        cred_key k;
        if (cred_key_from_jwk(jwk, &k, why, sizeof(why)) < 0) {
            cred_report_add(r, "key", CRED_FAIL, "the header's jwk: %s", why);
            key_failed = true;
        } else if (!add_candidate(c, &n, &k, false, NULL, NULL, "the header's jwk", SIZE_MAX)) {
            cred_key_free(&k);
        }
    }
    if (kid != NULL && jwk == NULL && strchr(kid, ':') != NULL && strncmp(kid, "rn1:", 4) != 0) {
        cred_resolved res;
        if (cred_resolve(o->docs, kid, &res, why, sizeof(why)) < 0) {
            if (o->keys_n == 0) {
                cred_report_add(r, "key", CRED_FAIL, "the header's kid: %s", why);
                key_failed = true;
            }
        } else if (!add_candidate(c, &n, &res.key, false, kid, res.controller, "the header's kid",
                                  SIZE_MAX)) {
            cred_resolved_free(&res);
        }
    } else if (kid != NULL && jwk == NULL && strchr(kid, ':') == NULL && issuer != NULL &&
               strncmp(issuer, "did:", 4) == 0) {
        /* A bare kid names a method of the issuer's DID (VC-JOSE-COSE, section 3.1.3). */
        char full[CRED_ID_BYTES_MAX + 1];
        cred_resolved res;
        snprintf(full, sizeof(full), "%s#%s", issuer, kid);
        if (cred_resolve(o->docs, full, &res, NULL, 0) == 0 &&
            !add_candidate(c, &n, &res.key, false, full, res.controller, "the header's kid",
                           SIZE_MAX))
            cred_resolved_free(&res);
    }
    if (n == 0 && !key_failed && issuer != NULL)
        issuer_doc_keys(o, issuer, c, &n);
    for (size_t i = 0; i < o->keys_n && i < CRED_KEYS_MAX; i++)
        add_candidate(c, &n, &o->keys[i], true, NULL, NULL, "a key registered for the issuer", i);

    if (n == 0) {
        if (!key_failed)
            cred_report_add(r, "key", CRED_NOT_CHECKED,
                            "no key: the token carries no jwk or resolvable kid, no key is "
                            "registered for the issuer, and no document is supplied for %.160s",
                            issuer != NULL ? issuer : "its issuer");
        cred_report_add(r, "signature", key_failed ? CRED_FAIL : CRED_NOT_CHECKED,
                        "%s alg %s: no key to check it with", key_failed ? "not verified:" : "",
                        cred_alg_name(j->jws.alg));
        cred_report_add(r, "issuer key", CRED_NOT_CHECKED, "no key");
    } else {
        size_t hit = SIZE_MAX, confused = SIZE_MAX;
        for (size_t i = 0; i < n && hit == SIZE_MAX; i++) {
            int rc = cred_vcjwt_verify(j, &c[i].key);
            if (rc == 0)
                hit = i;
            else if (rc == RN_EINVAL && confused == SIZE_MAX)
                confused = i;
        }
        if (!key_failed)
            cred_report_add(r, "key", CRED_PASS, "%zu candidate key(s): first from %s%s%.200s", n,
                            c[0].source, c[0].vm != NULL ? " " : "",
                            c[0].vm != NULL ? c[0].vm : "");
        if (hit != SIZE_MAX) {
            candidate *h = &c[hit];
            cred_report_add(r, "signature", CRED_PASS, "%s with the %s key from %s%s%.160s",
                            cred_alg_name(j->jws.alg), cred_kty_name(h->key.kty), h->source,
                            h->vm != NULL ? " " : "", h->vm != NULL ? h->vm : "");
            if (cred_key_copy(&r->key, &h->key) < 0)
                memset(&r->key, 0, sizeof(r->key));
            /* A key the token names that is also one the caller registers is the registered
             * one. */
            for (size_t i = 0; h->caller_index == SIZE_MAX && i < o->keys_n && i < CRED_KEYS_MAX;
                 i++)
                if (cred_key_equal(&h->key, &o->keys[i]))
                    h->caller_index = i;
            r->key_index = h->caller_index;
            if (h->caller_index != SIZE_MAX) {
                cred_report_add(r, "issuer key", CRED_PASS,
                                "a key registered for the issuer (supplied by the caller)");
            } else {
                char reason[CRED_REASON_BYTES];
                cred_bind b = cred_binding(o->docs, issuer, h->vm, h->controller, &h->key, reason,
                                           sizeof(reason));
                cred_report_add(r, "issuer key",
                                b == CRED_BIND_YES  ? CRED_PASS
                                : b == CRED_BIND_NO ? CRED_FAIL
                                                    : CRED_NOT_CHECKED,
                                "%s", reason);
            }
        } else if (confused != SIZE_MAX && n == 1) {
            cred_report_add(
                r, "signature", CRED_FAIL, "algorithm confusion: alg %s with the %s key from %s",
                cred_alg_name(j->jws.alg), cred_kty_name(c[confused].key.kty), c[confused].source);
        } else {
            cred_report_add(r, "signature", CRED_FAIL,
                            "%s signature verified by none of %zu candidate key(s)%s",
                            cred_alg_name(j->jws.alg), n,
                            confused != SIZE_MAX ? " (some of another type than the alg's)" : "");
        }
    }
    for (size_t i = 0; i < n; i++) {
        cred_key_free(&c[i].key);
        free(c[i].vm);
        free(c[i].controller);
    }

    claim_time(j, "exp", true, o->now_ms, r);
    claim_time(j, "nbf", false, o->now_ms, r);
    claim_equal(j, "iss", "the issuer's id", issuer, j->vc_claim, r);
    json_t *cs = json_object_get(j->vc, "credentialSubject");
    claim_equal(j, "sub", "credentialSubject.id", json_string_value(json_object_get(cs, "id")),
                false, r);
    claim_equal(j, "jti", "the credential's id", json_string_value(json_object_get(j->vc, "id")),
                false, r);
}
