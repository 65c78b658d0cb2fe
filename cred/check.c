/*
 * check.c: the pipeline (cred.h): which form the bytes are, then the checks of that form, then
 * the checks every form shares (structure, dates, status), each appended to the report.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "cred.h"
#include "di.h"
#include "json.h"
#include "jws.h"
#include "vcjwt.h"

/* Proofs of one credential looked at; more are named and not checked. */
#define PROOFS_MAX 8u

const char *cred_result_name(cred_result r)
{
    switch (r) {
    case CRED_PASS:
        return "pass";
    case CRED_FAIL:
        return "fail";
    case CRED_NOT_CHECKED:
    default:
        return "not checked";
    }
}

void cred_report_init(cred_report *r)
{
    /* Everything but checks[], which is written entry by entry below n: zeroing its 35 KiB
     * twice per credential cost more than the checks themselves. */
    memset(r, 0, offsetof(cred_report, checks));
    r->key_index = SIZE_MAX;
}

void cred_report_free(cred_report *r)
{
    if (r->arena != NULL) {
        /* Everything in the tree was read into the arena: freed at once, not walked. */
        cred_json_arena_free(r->arena);
    } else {
        json_decref(r->credential);
        json_decref(r->jws_header);
    }
    free(r->signing_input);
    cred_key_free(&r->key);
    cred_report_init(r);
}

/* What snprintf(dst, size, "%s", src) writes, without parsing a format. */
static void copy_cut(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Appends src[0..len) to dst[0..*used), cut at size - 1 as vsnprintf cuts. */
static void put_cut(char *dst, size_t size, size_t *used, const char *src, size_t len)
{
    if (len > size - 1 - *used)
        len = size - 1 - *used;
    memcpy(dst + *used, src, len);
    *used += len;
}

/*
 * What vsnprintf(dst, size, fmt, ap) writes, for the conversions the reasons use (%s, %.Ns,
 * %zu, %u, %d, %%), about five times faster than libc's general formatting (some twenty
 * reasons a check, cred/README.md "Cost"). A format with any other conversion is handed to
 * vsnprintf whole. The unit test cred_golden holds the two to the same bytes.
 */
static void format_cut(char *dst, size_t size, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    size_t used = 0;
    const char *f = fmt;
    while (*f != '\0') {
        const char *lit = f;
        while (*f != '\0' && *f != '%')
            f++;
        put_cut(dst, size, &used, lit, (size_t)(f - lit));
        if (*f == '\0')
            break;
        f++;
        char num[24];
        size_t k = sizeof(num);
        if (*f == 's') {
            const char *a = va_arg(ap, const char *);
            if (a == NULL)
                goto fallback; /* libc's "(null)" */
            put_cut(dst, size, &used, a, strlen(a));
        } else if (*f == '.' && f[1] >= '0' && f[1] <= '9') {
            size_t prec = 0;
            for (f++; *f >= '0' && *f <= '9' && prec < 100000; f++)
                prec = prec * 10 + (size_t)(*f - '0');
            if (*f != 's')
                goto fallback;
            const char *a = va_arg(ap, const char *);
            if (a == NULL)
                goto fallback;
            put_cut(dst, size, &used, a, strnlen(a, prec));
        } else if (*f == '%') {
            put_cut(dst, size, &used, "%", 1);
        } else if (*f == 'z' && f[1] == 'u') {
            size_t v = va_arg(ap, size_t);
            f++;
            do
                num[--k] = (char)('0' + v % 10);
            while ((v /= 10) != 0);
            put_cut(dst, size, &used, num + k, sizeof(num) - k);
        } else if (*f == 'u' || *f == 'd') {
            long long v = *f == 'u' ? (long long)va_arg(ap, unsigned) : va_arg(ap, int);
            unsigned long long m = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
            do
                num[--k] = (char)('0' + m % 10);
            while ((m /= 10) != 0);
            if (v < 0)
                num[--k] = '-';
            put_cut(dst, size, &used, num + k, sizeof(num) - k);
        } else {
            goto fallback;
        }
        f++;
    }
    dst[used] = '\0';
    va_end(again);
    return;
fallback:
    vsnprintf(dst, size, fmt, again);
    va_end(again);
}

void cred_report_add(cred_report *r, const char *name, cred_result res, const char *fmt, ...)
{
    if (res == CRED_FAIL)
        r->failed++;
    else if (res == CRED_NOT_CHECKED)
        r->not_checked++;
    if (r->n >= CRED_CHECKS_MAX) {
        r->dropped++;
        return;
    }
    cred_check *c = &r->checks[r->n++];
    va_list ap;
    copy_cut(c->name, sizeof(c->name), name);
    c->result = res;
    va_start(ap, fmt);
    format_cut(c->reason, sizeof(c->reason), fmt, ap);
    va_end(ap);
}

const cred_check *cred_report_find(const cred_report *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->checks[i].name, name) == 0)
            return &r->checks[i];
    return NULL;
}

static bool has_type(const json_t *o, const char *t)
{
    json_t *ty = json_object_get(o, "type");
    if (json_is_string(ty))
        return strcmp(json_string_value(ty), t) == 0;
    size_t i;
    json_t *v;
    json_array_foreach(ty, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), t) == 0)
            return true;
    }
    return false;
}

/* ---- embedded proofs (Data Integrity) ---- */

/* The suites whose keys are Ed25519 verification methods: the Data Integrity suites of cred/di.c.
 */
static const char *proof_suite(const json_t *p)
{
    const char *type = json_string_value(json_object_get(p, "type"));
    if (type == NULL)
        return NULL;
    if (strcmp(type, "DataIntegrityProof") == 0)
        return json_string_value(json_object_get(p, "cryptosuite"));
    return type;
}

static void one_proof(const json_t *vc, const json_t *p, size_t i, size_t n, const cred_opts *o,
                      cred_report *r)
{
    char kname[CRED_NAME_BYTES], bname[CRED_NAME_BYTES], why[CRED_REASON_BYTES];
    const char *issuer = cred_issuer_id(vc);
    const char *suite = proof_suite(p);
    const char *vm = json_string_value(json_object_get(p, "verificationMethod"));
    const char *purpose = json_string_value(json_object_get(p, "proofPurpose"));
    if (n > 1) {
        snprintf(kname, sizeof(kname), "key (proof %zu)", i + 1);
        snprintf(bname, sizeof(bname), "issuer key (proof %zu)", i + 1);
    } else {
        snprintf(kname, sizeof(kname), "key");
        snprintf(bname, sizeof(bname), "issuer key");
    }
    if (vm == NULL) {
        cred_report_add(r, kname, n > 1 ? CRED_NOT_CHECKED : CRED_FAIL,
                        "proof %zu (%.60s) names no verificationMethod", i + 1,
                        suite != NULL ? suite : "untyped");
        return;
    }
    if (purpose != NULL && strcmp(purpose, "assertionMethod") != 0) {
        cred_report_add(r, kname, CRED_FAIL,
                        "proof %zu's proofPurpose is %.60s, not assertionMethod", i + 1, purpose);
        return;
    }
    cred_resolved res;
    if (cred_resolve(o->docs, vm, &res, why, sizeof(why)) < 0) {
        cred_report_add(r, kname, CRED_FAIL, "%s", why);
        return;
    }
    cred_report_add(r, kname, CRED_PASS, "%s key of %.200s (%s)", cred_kty_name(res.key.kty),
                    res.controller, res.how);
    char reason[CRED_REASON_BYTES];
    cred_bind b =
        cred_binding(o->docs, issuer, vm, res.controller, &res.key, reason, sizeof(reason));
    cred_report_add(r, bname,
                    b == CRED_BIND_YES  ? CRED_PASS
                    : b == CRED_BIND_NO ? CRED_FAIL
                                        : CRED_NOT_CHECKED,
                    "%s", reason);
    cred_resolved_free(&res);
}

/* What the Data Integrity suites' resolver needs and leaves behind: the key of the last method
 * it resolved (the one that verified, when a proof did: di.h tries proofs in order and resolves
 * each at most once, before hashing) and why the first resolution that failed did. */
typedef struct di_resolver {
    const cred_docs *docs;
    const char *issuer;
    uint8_t pk[CRED_ED25519_BYTES];
    bool resolved;
    int failed_rc;                      /* of the first failed resolution, or 0 */
    char failed_vm[CRED_DI_TEXT_CHARS]; /* its method, cut as cred_di_result cuts it */
    char why[CRED_REASON_BYTES];        /* its reason */
} di_resolver;

/* cred_di_resolve_fn: the Ed25519 key of a verification method, refused when it is another
 * party's than the issuer's (cred_resolve_ed25519). */
static int di_resolve(void *ctx, const char *vm, uint8_t pk[32])
{
    di_resolver *d = ctx;
    char why[CRED_REASON_BYTES];
    int rc = cred_resolve_ed25519(d->docs, vm, d->issuer, pk, why, sizeof(why));
    if (rc == 0) {
        memcpy(d->pk, pk, CRED_ED25519_BYTES);
        d->resolved = true;
    } else if (d->failed_rc == 0) {
        d->failed_rc = rc;
        snprintf(d->failed_vm, sizeof(d->failed_vm), "%s", vm);
        snprintf(d->why, sizeof(d->why), "%s", why);
    }
    return rc;
}

/* The check "proof": the Data Integrity proofs verified (cred/di.h); one supported proof that
 * verifies is enough. A credential whose proofs are all of suites this build does not verify is
 * "not checked", naming them; every other failure fails, with di.h's reason and, when the key
 * could not be resolved or is not the issuer's, the resolver's. */
static void di_proofs(const json_t *vc, const cred_opts *o, const char *suites, cred_report *r)
{
    di_resolver d;
    cred_di_result res;
    memset(&d, 0, sizeof(d));
    d.docs = o->docs;
    d.issuer = cred_issuer_id(vc);
    int rc = cred_di_verify(vc, di_resolve, &d, &res);
    if (rc == 0) {
        RN_ASSERT(d.resolved);
        cred_key_free(&r->key);
        cred_key_ed25519(&r->key, d.pk);
        cred_report_add(r, "proof", CRED_PASS, "proof %zu of %zu (%s) verifies with %.200s%s%.40s",
                        res.proof_index + 1, res.proofs, cred_di_suite_name(res.suite),
                        res.verification_method, res.created[0] != '\0' ? ", created " : "",
                        res.created);
    } else if (rc == RN_EENUM) {
        cred_report_add(
            r, "proof", CRED_NOT_CHECKED,
            "not checked (suite %s): this build verifies eddsa-rdfc-2022 (and its draft "
            "name eddsa-2022), eddsa-jcs-2022 and Ed25519Signature2020",
            suites);
    } else if (d.failed_rc != 0 && rc == d.failed_rc &&
               strcmp(d.failed_vm, res.verification_method) == 0) {
        cred_report_add(r, "proof", CRED_FAIL, "proof %zu (%s): %.100s: %s", res.proof_index + 1,
                        res.cryptosuite[0] != '\0' ? res.cryptosuite : res.type, res.reason, d.why);
    } else {
        cred_report_add(r, "proof", CRED_FAIL, "proof %zu (%s): %s", res.proof_index + 1,
                        res.cryptosuite[0] != '\0' ? res.cryptosuite : res.type, res.reason);
    }
}

static void embedded_proofs(const json_t *vc, const cred_opts *o, cred_report *r)
{
    json_t *proof = json_object_get(vc, "proof");
    size_t n = json_is_array(proof) ? json_array_size(proof) : (proof != NULL ? 1 : 0);
    char suites[160] = "";
    size_t used = 0;
    if (n == 0) {
        cred_report_add(r, "proof", CRED_FAIL,
                        "the credential carries no proof: nothing shows who issued it");
        return;
    }
    for (size_t i = 0; i < n && i < PROOFS_MAX; i++) {
        const json_t *p = json_is_array(proof) ? json_array_get(proof, i) : proof;
        if (!json_is_object(p))
            continue;
        const char *suite = proof_suite(p);
        int k = snprintf(suites + used, sizeof(suites) - used, "%s%s", used > 0 ? ", " : "",
                         suite != NULL ? suite : "untyped");
        if (k > 0 && (size_t)k < sizeof(suites) - used)
            used += (size_t)k;
        one_proof(vc, p, i, n, o, r);
    }
    di_proofs(vc, o, suites, r);
}

/* ---- forms ---- */

static int check_vcjwt(const uint8_t *buf, size_t len, const cred_opts *o, cred_report *r,
                       char *why, size_t why_len)
{
    cred_vcjwt j;
    /* The header and the payload are read into an arena that the report keeps (json.h): their
     * hundreds of values cost one block, not a malloc and a free each. It stays entered for the
     * whole check, so that the payload's members other than the credential are let go into it
     * (cred_vcjwt_free). The tree of a badge takes about three times its token (18 KiB for the
     * 5.7 KiB of cred_bench's); the arena grows when a block of four times is not enough. */
    cred_json_arena *arena = cred_json_arena_new(4 * len);
    if (arena == NULL) {
        snprintf(why, why_len, "out of memory");
        return RN_ENOMEM;
    }
    cred_json_arena_enter(arena);
    int rc = cred_vcjwt_parse((const char *)buf, len, &j, why, why_len);
    if (rc < 0) {
        cred_vcjwt_free(&j);
        cred_json_arena_leave();
        cred_json_arena_free(arena);
        return rc;
    }
    snprintf(r->form, sizeof(r->form), "%sVC-JWT (%s)", cred_ob3_is(j.vc) ? "Open Badges 3.0 " : "",
             cred_alg_name(j.jws.alg));
    cred_report_add(r, "format", CRED_PASS, "a compact JWS, alg %s, the credential %s",
                    cred_alg_name(j.jws.alg),
                    j.vc_claim ? "in the vc claim (VC Data Model 1.1)"
                               : "as the payload (VC Data Model 2.0)");
    cred_vcjwt_check(&j, o, r);
    cred_ob3_structure(j.vc, r);
    cred_dates(j.vc, o->now_ms, r);
    cred_status(j.vc, o->status_list, r);
    r->credential = json_incref(j.vc);
    r->jws_header = json_incref(j.jws.header);
    r->signing_input = j.jws.signing_input;
    r->signing_len = j.jws.signing_len;
    j.jws.signing_input = NULL;
    cred_vcjwt_free(&j);
    cred_json_arena_leave();
    r->arena = arena;
    return 0;
}

/* The checks of the credential itself, sealed or not: structure (Open Badges), dates, status.
 * `sealed` says whether an unsealed Europass credential is to be reported as such. */
static int check_body(json_t *doc, bool sealed, const cred_opts *o, cred_report *r, char *why,
                      size_t why_len)
{
    if (!has_type(doc, "VerifiableCredential")) {
        snprintf(why, why_len,
                 "%s, but not a verifiable credential (no type "
                 "VerifiableCredential)",
                 sealed ? "a sealed JSON payload" : "JSON");
        return RN_EKIND;
    }
    if (cred_ob3_is(doc) || cred_ob3_context(doc)) {
        if (!sealed) {
            snprintf(r->form, sizeof(r->form), "Open Badges 3.0 credential with embedded proof");
            cred_report_add(r, "format", CRED_PASS, "a JSON credential (embedded proof)");
            embedded_proofs(doc, o, r);
        } else {
            snprintf(r->form + strlen(r->form), sizeof(r->form) - strlen(r->form),
                     ": Open Badges 3.0");
        }
        cred_ob3_structure(doc, r);
    } else if (has_type(doc, "EuropeanDigitalCredential")) {
        if (!sealed) {
            snprintf(r->form, sizeof(r->form), "Europass European Digital Credential (ELM v3)");
            cred_report_add(r, "format", CRED_PASS, "a JSON-LD European Digital Credential");
            cred_report_add(r, "seal", CRED_FAIL,
                            "unsealed: the credential carries no eIDAS seal (JAdES), so nothing "
                            "shows who issued it");
        } else {
            snprintf(r->form + strlen(r->form), sizeof(r->form) - strlen(r->form),
                     ": Europass European Digital Credential");
        }
    } else {
        snprintf(why, why_len,
                 "a verifiable credential of another kind (neither Open Badges 3.0 nor a "
                 "European Digital Credential)");
        return RN_EKIND;
    }
    cred_dates(doc, o->now_ms, r);
    cred_status(doc, o->status_list, r);
    r->credential = json_incref(doc);
    return 0;
}

static int check_json(json_t *doc, const cred_opts *o, cred_report *r, char *why, size_t why_len)
{
    if (cred_seal_is(doc)) {
        json_t *inner = NULL;
        int rc = cred_seal_check(doc, o, r, &inner, why, why_len);
        if (rc == 0)
            rc = check_body(inner, true, o, r, why, why_len);
        json_decref(inner);
        return rc;
    }
    return check_body(doc, false, o, r, why, why_len);
}

int cred_check_buf(const uint8_t *buf, size_t len, const cred_opts *o, cred_report *r, char *why,
                   size_t why_len)
{
    json_error_t je;
    cred_report_init(r);
    if (len > CRED_FILE_BYTES_MAX) {
        snprintf(why, why_len, "a credential is at most %u bytes", CRED_FILE_BYTES_MAX);
        return RN_ETOOBIG;
    }
    /* A text whose first byte (after white space) is base64url or a dot is no JSON: read it as
     * a compact JWS, whose strict decoders check every byte. Only when that fails does the whole
     * text get scanned (cred_jws_looks_compact) to tell a broken JWS, answered as such, from
     * text that is neither, answered below; a second scan of every token cost more than the
     * decoding. */
    size_t lead = 0;
    while (lead < len && isspace(buf[lead]))
        lead++;
    if (lead < len && (cred_b64url_char(buf[lead]) || buf[lead] == '.')) {
        int rc = check_vcjwt(buf, len, o, r, why, why_len);
        if (rc == 0 || cred_jws_looks_compact(buf, len))
            return rc;
        RN_ASSERT(r->n == 0);
    }
    json_t *doc;
    int rc = cred_json_loadb((const char *)buf, len, &doc, why, why_len);
    if (rc == RN_ENOMEM)
        return rc;
    if (rc < 0) {
        /* Refused: jansson says where, in the line and column people read (cred_json_loadb
         * refuses what json_loadb refuses, and a NUL byte besides: json.h). */
        json_t *again = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je);
        if (again == NULL)
            snprintf(why, why_len, "neither a compact JWS nor JSON (line %d, column %d: %s)",
                     je.line, je.column, je.text);
        else
            snprintf(why, why_len, "neither a compact JWS nor JSON (a NUL byte)");
        json_decref(again);
        return RN_EMALFORMED;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        snprintf(why, why_len, "JSON, but not an object");
        return RN_EKIND;
    }
    rc = check_json(doc, o, r, why, why_len);
    json_decref(doc);
    return rc;
}
