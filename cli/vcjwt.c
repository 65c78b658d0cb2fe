/*
 * vcjwt.c: compact JWS parsing and EdDSA verification for Open Badges 3.0 VC-JWTs (vcjwt.h).
 * Base64url is decoded by libsodium, which refuses padding, white space and non-zero trailing
 * bits, so each token has one spelling.
 */
#include "vcjwt.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

static bool b64url_char(uint8_t c)
{
    return isalnum(c) || c == '-' || c == '_';
}

/* Trims white space around buf[0..*len); returns the first byte kept. */
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

bool vcjwt_looks_like(const uint8_t *buf, size_t len)
{
    unsigned dots = 0;
    buf = trim(buf, &len);
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '.')
            dots++;
        else if (!b64url_char(buf[i]))
            return false;
    }
    return dots == 2;
}

__attribute__((format(printf, 4, 5))) static int fail(int code, char *why, size_t why_len,
                                                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
    return code;
}

/* Decodes one base64url part into a malloc'd buffer (NUL-terminated). */
static int part(const char *s, size_t n, uint8_t **out, size_t *out_len)
{
    size_t cap = n / 4u * 3u + 3u;
    const char *end;
    *out = malloc(cap + 1);
    if (*out == NULL)
        return RN_ENOMEM;
    if (n == 0 ||
        sodium_base642bin(*out, cap, s, n, NULL, out_len, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        end != s + n) {
        free(*out);
        *out = NULL;
        return RN_EMALFORMED;
    }
    (*out)[*out_len] = 0;
    return 0;
}

static json_t *json_part(const char *s, size_t n)
{
    uint8_t *b;
    size_t len;
    json_error_t je;
    if (part(s, n, &b, &len) < 0)
        return NULL;
    json_t *j = json_loadb((const char *)b, len, JSON_REJECT_DUPLICATES, &je);
    free(b);
    if (j != NULL && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

int vcjwt_parse(const char *s, size_t len, vcjwt *j, char *why, size_t why_len)
{
    const uint8_t *t;
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    memset(j, 0, sizeof(*j));
    if (len > VCJWT_BYTES_MAX)
        return fail(RN_ETOOBIG, why, why_len, "a token is at most %u bytes", VCJWT_BYTES_MAX);
    t = trim((const uint8_t *)s, &len);
    if (!vcjwt_looks_like(t, len))
        return fail(RN_EMALFORMED, why, why_len,
                    "not a compact JWS (three base64url parts separated by dots)");
    j->text = malloc(len + 1);
    if (j->text == NULL)
        return RN_ENOMEM;
    memcpy(j->text, t, len);
    j->text[len] = '\0';
    const char *d1 = strchr(j->text, '.'), *d2 = strchr(d1 + 1, '.');
    j->signing_len = (size_t)(d2 - j->text);

    j->header = json_part(j->text, (size_t)(d1 - j->text));
    if (j->header == NULL)
        return fail(RN_EMALFORMED, why, why_len, "the JWS header is not a base64url JSON object");
    const char *alg = json_string_value(json_object_get(j->header, "alg"));
    if (alg == NULL || strcmp(alg, "EdDSA") != 0)
        return fail(RN_EINVAL, why, why_len,
                    "the JWS header's alg is %s%s%s: only EdDSA (Ed25519) is accepted",
                    alg != NULL ? "\"" : "", alg != NULL ? alg : "absent", alg != NULL ? "\"" : "");
    json_t *crv = json_object_get(j->header, "crv");
    if (crv != NULL && (!json_is_string(crv) || strcmp(json_string_value(crv), "Ed25519") != 0))
        return fail(RN_EINVAL, why, why_len, "the JWS header's crv is not Ed25519");
    if (json_object_get(j->header, "crit") != NULL)
        return fail(RN_EINVAL, why, why_len,
                    "the JWS header has crit: recnet understands no JWS extension");

    j->payload = json_part(d1 + 1, (size_t)(d2 - d1 - 1));
    if (j->payload == NULL)
        return fail(RN_EMALFORMED, why, why_len, "the JWS payload is not a base64url JSON object");
    j->vc = json_object_get(j->payload, "vc");
    if (j->vc == NULL)
        j->vc = j->payload;
    if (!json_is_object(j->vc))
        return fail(RN_EMALFORMED, why, why_len, "the payload's vc claim is not an object");

    int rc = part(d2 + 1, strlen(d2 + 1), &sig, &sig_len);
    if (rc == RN_ENOMEM)
        return rc;
    if (rc < 0 || sig_len != PROTO_SIG_BYTES) {
        free(sig);
        return fail(rc < 0 ? RN_EMALFORMED : RN_ELEN, why, why_len,
                    "the JWS signature is not 64 bytes of base64url (an Ed25519 signature)");
    }
    memcpy(j->sig, sig, PROTO_SIG_BYTES);
    free(sig);
    crypto_generichash(j->digest, PROTO_DIGEST_BYTES, (const uint8_t *)j->text, j->signing_len,
                       NULL, 0);
    return 0;
}

int vcjwt_verify(const vcjwt *j, const uint8_t pk[PROTO_KEY_BYTES])
{
    if (j->text == NULL ||
        crypto_sign_verify_detached(j->sig, (const uint8_t *)j->text, j->signing_len, pk) != 0)
        return RN_ESIG;
    return 0;
}

void vcjwt_free(vcjwt *j)
{
    json_decref(j->header);
    json_decref(j->payload);
    free(j->text);
    memset(j, 0, sizeof(*j));
}
