/*
 * jws.c: compact and JSON serialization JWS parsing (jws.h). Both forms end in the same checks
 * of the protected header (check_header), so the two cannot drift apart.
 */
#include "jws.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "json.h"

/* The JWS header parameters a "crit" may name: the JAdES signing time and the X.509 parameters
 * this module reads, b64 (RFC 7797, the unencoded payload of the JSON serialization), and
 * JAdES's archive time-stamps (adoTst), which the seal's report states as not checked
 * (cred/seal.c): they can only add a proof of time to a seal that verifies, never make one verify.
 * Any other critical extension is refused, as RFC 7515 section 4.1.11 requires. */
static const char *const CRIT_KNOWN[] = { "sigT", "x5t#S256", "x5c", "kid", "b64", "adoTst" };

/* True if the header's crit names `name`. */
static bool crit_names(const json_t *header, const char *name)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(header, "crit"), i, c)
    {
        if (json_is_string(c) && strcmp(json_string_value(c), name) == 0)
            return true;
    }
    return false;
}

__attribute__((format(printf, 4, 5))) static int fail(int code, char *why, size_t why_len,
                                                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (why != NULL && why_len > 0)
        vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
    return code;
}

static const uint8_t *trim(const uint8_t *buf, size_t *len)
{
    while (*len > 0 && isspace(buf[*len - 1]))
        (*len)--;
    while (*len > 0 && isspace(buf[0])) {
        buf++;
        (*len)--;
    }
    return buf;
}

bool cred_jws_looks_compact(const uint8_t *buf, size_t len)
{
    unsigned dots = 0;
    buf = trim(buf, &len);
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '.')
            dots++;
        else if (!cred_b64url_char(buf[i]))
            return false;
    }
    return dots == 2;
}

/* A base64url JSON object; RN_EMALFORMED or RN_ENOMEM. */
static int json_part(const char *s, size_t n, json_t **out)
{
    uint8_t *b;
    size_t len;
    json_t *o;
    *out = NULL;
    int rc = cred_b64url_decode(s, n, &b, &len);
    if (rc < 0)
        return rc;
    rc = cred_json_loadb((const char *)b, len, &o, NULL, 0);
    free(b);
    if (rc == RN_ENOMEM)
        return rc;
    if (!json_is_object(o)) {
        json_decref(o);
        return RN_EMALFORMED;
    }
    *out = o;
    return 0;
}

static int check_header(cred_jws *j, char *why, size_t why_len)
{
    json_t *alg_v = json_object_get(j->header, "alg");
    const char *alg = json_string_value(alg_v);
    j->alg = cred_alg_parse(alg);
    if (j->alg == CRED_ALG_NONE)
        return fail(RN_EINVAL, why, why_len,
                    "the JWS alg is %s%s%s: accepted are RS256, ES256 and EdDSA (never none, "
                    "never an HMAC)",
                    alg != NULL ? "\"" : "", alg != NULL ? alg : "absent", alg != NULL ? "\"" : "");
    json_t *crv = json_object_get(j->header, "crv");
    if (crv != NULL && j->alg == CRED_ALG_EDDSA &&
        (!json_is_string(crv) || strcmp(json_string_value(crv), "Ed25519") != 0))
        return fail(RN_EINVAL, why, why_len, "the JWS header's crv is not Ed25519");
    /* RFC 7797: b64 false sends the payload as it is; only in the JSON serialization here (a
     * compact payload could not hold a dot), a boolean, and named in crit (its section 6). */
    json_t *b64 = json_object_get(j->header, "b64");
    if (b64 != NULL) {
        if (!json_is_boolean(b64))
            return fail(RN_EINVAL, why, why_len, "the JWS header's b64 is not a boolean");
        if (!j->json_form && json_is_false(b64))
            return fail(RN_EINVAL, why, why_len,
                        "the JWS header has b64 false (unencoded payload, RFC 7797): accepted "
                        "in the JSON serialization only");
        if (!crit_names(j->header, "b64"))
            return fail(RN_EINVAL, why, why_len,
                        "the JWS header has b64 but its crit does not name it (RFC 7797 "
                        "section 6)");
        j->unencoded = json_is_false(b64);
    }
    json_t *crit = json_object_get(j->header, "crit");
    if (crit != NULL) {
        size_t i;
        json_t *c;
        if (!json_is_array(crit) || json_array_size(crit) == 0)
            return fail(RN_EINVAL, why, why_len, "the JWS header's crit is not a list of names");
        json_array_foreach(crit, i, c)
        {
            bool known = false;
            for (size_t k = 0; k < sizeof(CRIT_KNOWN) / sizeof(CRIT_KNOWN[0]); k++)
                known = known ||
                        (json_is_string(c) && strcmp(json_string_value(c), CRIT_KNOWN[k]) == 0);
            if (!known)
                return fail(RN_EINVAL, why, why_len,
                            "the JWS header's crit names an extension not understood");
        }
    }
    if (j->unprotected != NULL && json_object_get(j->unprotected, "alg") != NULL)
        return fail(RN_EINVAL, why, why_len,
                    "the JWS names its alg in the unprotected header, which is not signed");
    return 0;
}

static void init(cred_jws *j)
{
    memset(j, 0, sizeof(*j));
}

int cred_jws_parse_compact(const char *s, size_t len, cred_jws *j, char *why, size_t why_len)
{
    const uint8_t *t;
    int rc;
    init(j);
    if (len > CRED_JWS_BYTES_MAX)
        return fail(RN_ETOOBIG, why, why_len, "a JWS is at most %u bytes", CRED_JWS_BYTES_MAX);
    t = trim((const uint8_t *)s, &len);
    /* Three parts: the dots found with memchr, the alphabet left to the three strict decoders
     * below (a second scan of a 5 KiB token with cred_jws_looks_compact cost more than the
     * decoding itself). */
    const char *d1 = len > 0 ? memchr(t, '.', len) : NULL;
    const char *d2 =
        d1 != NULL ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - (const char *)t)) : NULL;
    if (d2 == NULL || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - (const char *)t)) != NULL)
        return fail(RN_EMALFORMED, why, why_len,
                    "not a compact JWS (three base64url parts separated by dots)");
    j->signing_len = (size_t)(d2 - (const char *)t);
    j->signing_input = malloc(j->signing_len + 1);
    if (j->signing_input == NULL)
        return RN_ENOMEM;
    memcpy(j->signing_input, t, j->signing_len);
    j->signing_input[j->signing_len] = '\0';
    rc = json_part((const char *)t, (size_t)(d1 - (const char *)t), &j->header);
    if (rc == RN_ENOMEM)
        return rc;
    if (rc < 0)
        return fail(RN_EMALFORMED, why, why_len, "the JWS header is not a base64url JSON object");
    if ((rc = check_header(j, why, why_len)) < 0)
        return rc;
    rc = cred_b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), &j->payload, &j->payload_len);
    if (rc == RN_ENOMEM)
        return rc;
    if (rc < 0)
        return fail(RN_EMALFORMED, why, why_len, "the JWS payload is not base64url");
    size_t sig_n = len - (size_t)(d2 + 1 - (const char *)t);
    rc = cred_b64url_decode(d2 + 1, sig_n, &j->sig, &j->sig_len);
    if (rc == RN_ENOMEM)
        return rc;
    if (rc < 0)
        return fail(RN_EMALFORMED, why, why_len, "the JWS signature is not base64url");
    return 0;
}

/* A member that must be a base64url string (non-empty). */
static const char *b64_member(const json_t *o, const char *name, size_t *n)
{
    json_t *v = json_object_get(o, name);
    if (!json_is_string(v) || json_string_length(v) == 0)
        return NULL;
    *n = json_string_length(v);
    return json_string_value(v);
}

int cred_jws_parse_json(const json_t *o, cred_jws *j, char *why, size_t why_len)
{
    const json_t *sig_o = o;
    const char *prot, *pay, *sig;
    size_t prot_n = 0, pay_n = 0, sig_n = 0;
    int rc;
    init(j);
    j->json_form = true;
    if (!json_is_object(o))
        return fail(RN_EMALFORMED, why, why_len, "a JWS in JSON serialization is an object");
    json_t *sigs = json_object_get(o, "signatures");
    if (sigs != NULL) {
        if (!json_is_array(sigs) || json_array_size(sigs) == 0)
            return fail(RN_EMALFORMED, why, why_len, "the JWS's signatures is not a list");
        if (json_array_size(sigs) != 1)
            return fail(RN_ECOUNT, why, why_len,
                        "the JWS has %zu signatures: a sealed credential has one",
                        json_array_size(sigs));
        sig_o = json_array_get(sigs, 0);
        if (!json_is_object(sig_o))
            return fail(RN_EMALFORMED, why, why_len, "the JWS's signature is not an object");
    }
    if ((prot = b64_member(sig_o, "protected", &prot_n)) == NULL)
        return fail(RN_EMALFORMED, why, why_len, "the JWS has no protected header");
    if ((pay = b64_member(o, "payload", &pay_n)) == NULL)
        return fail(RN_EMALFORMED, why, why_len,
                    "the JWS has no payload (a detached payload is not accepted)");
    if ((sig = b64_member(sig_o, "signature", &sig_n)) == NULL)
        return fail(RN_EMALFORMED, why, why_len, "the JWS has no signature");
    if (prot_n + pay_n + sig_n > CRED_JWS_BYTES_MAX)
        return fail(RN_ETOOBIG, why, why_len, "a JWS is at most %u bytes", CRED_JWS_BYTES_MAX);
    json_t *unprot = json_object_get(sig_o, "header");
    if (unprot != NULL) {
        if (!json_is_object(unprot))
            return fail(RN_EMALFORMED, why, why_len,
                        "the JWS's unprotected header is not an object");
        j->unprotected = json_incref(unprot);
    }
    rc = json_part(prot, prot_n, &j->header);
    if (rc == RN_ENOMEM)
        return rc;
    if (rc < 0)
        return fail(RN_EMALFORMED, why, why_len, "the JWS header is not a base64url JSON object");
    if ((rc = check_header(j, why, why_len)) < 0)
        return rc;
    j->signing_len = prot_n + 1 + pay_n;
    j->signing_input = malloc(j->signing_len + 1);
    if (j->signing_input == NULL)
        return RN_ENOMEM;
    memcpy(j->signing_input, prot, prot_n);
    j->signing_input[prot_n] = '.';
    memcpy(j->signing_input + prot_n + 1, pay, pay_n);
    j->signing_input[j->signing_len] = '\0';
    if (j->unencoded) {
        /* The signing input is the payload's own bytes after the dot (RFC 7797 section 3). */
        if ((j->payload = malloc(pay_n + 1)) == NULL)
            return RN_ENOMEM;
        memcpy(j->payload, pay, pay_n);
        j->payload[pay_n] = '\0';
        j->payload_len = pay_n;
    } else {
        rc = cred_b64url_decode(pay, pay_n, &j->payload, &j->payload_len);
        if (rc == RN_ENOMEM)
            return rc;
        if (rc < 0)
            return fail(RN_EMALFORMED, why, why_len, "the JWS payload is not base64url");
    }
    rc = cred_b64url_decode(sig, sig_n, &j->sig, &j->sig_len);
    if (rc == RN_ENOMEM)
        return rc;
    if (rc < 0)
        return fail(RN_EMALFORMED, why, why_len, "the JWS signature is not base64url");
    return 0;
}

int cred_jws_verify(const cred_jws *j, const cred_key *k)
{
    if (j->signing_input == NULL || j->sig == NULL)
        return RN_ESIG;
    return cred_key_verify(k, j->alg, (const uint8_t *)j->signing_input, j->signing_len, j->sig,
                           j->sig_len);
}

void cred_jws_free(cred_jws *j)
{
    json_decref(j->header);
    json_decref(j->unprotected);
    free(j->signing_input);
    free(j->payload);
    free(j->sig);
    memset(j, 0, sizeof(*j));
}
