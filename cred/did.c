/*
 * did.c: verification methods to keys without the network, the operator's documents, and
 * whether a key is the issuer's (did.h).
 */
#include "did.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "codec.h"

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

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool is_did(const char *s)
{
    return s != NULL && starts(s, "did:");
}

static bool is_http(const char *s)
{
    return s != NULL && (starts(s, "https://") || starts(s, "http://"));
}

/* ---- documents ---- */

void cred_docs_init(cred_docs *d)
{
    d->by_id = NULL;
}

void cred_docs_free(cred_docs *d)
{
    json_decref(d->by_id);
    d->by_id = NULL;
}

int cred_docs_add(cred_docs *d, json_t *doc, char *why, size_t why_len)
{
    const char *id = json_string_value(json_object_get(doc, "id"));
    if (!json_is_object(doc) || id == NULL || id[0] == '\0')
        return fail(RN_ETYPE, why, why_len, "a document is a JSON object with a string \"id\"");
    if (strlen(id) > CRED_ID_BYTES_MAX)
        return fail(RN_ELEN, why, why_len, "a document id is at most %u bytes", CRED_ID_BYTES_MAX);
    if (d->by_id == NULL && (d->by_id = json_object()) == NULL)
        return RN_ENOMEM;
    if (json_object_get(d->by_id, id) != NULL)
        return fail(RN_EDUPLICATE, why, why_len, "two documents have the id %s", id);
    if (json_object_size(d->by_id) >= CRED_DOCS_MAX)
        return fail(RN_ECOUNT, why, why_len, "more than %u documents", CRED_DOCS_MAX);
    return json_object_set(d->by_id, id, doc) == 0 ? 0 : RN_ENOMEM;
}

static int load_file(cred_docs *d, const char *path, char *why, size_t why_len)
{
    json_error_t je;
    struct stat st;
    if (stat(path, &st) != 0)
        return fail(RN_EIO, why, why_len, "%s: %s", path, strerror(errno));
    if (st.st_size > (off_t)CRED_DOC_BYTES_MAX)
        return fail(RN_ETOOBIG, why, why_len, "%s: a document file is at most %u bytes", path,
                    CRED_DOC_BYTES_MAX);
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (j == NULL)
        return fail(je.line < 0 ? RN_EIO : RN_EMALFORMED, why, why_len, "%s:%d:%d: %s", path,
                    je.line, je.column, je.text);
    int rc = 0;
    char sub[256];
    if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v)
        {
            if ((rc = cred_docs_add(d, v, sub, sizeof(sub))) < 0)
                break;
        }
    } else {
        rc = cred_docs_add(d, j, sub, sizeof(sub));
    }
    json_decref(j);
    return rc < 0 ? fail(rc, why, why_len, "%s: %s", path, sub) : 0;
}

int cred_docs_load_dir(cred_docs *d, const char *dir, char *why, size_t why_len)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return fail(RN_EIO, why, why_len, "%s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return load_file(d, dir, why, why_len);
    DIR *dp = opendir(dir);
    if (dp == NULL)
        return fail(RN_EIO, why, why_len, "%s: %s", dir, strerror(errno));
    struct dirent *e;
    int rc = 0;
    char path[4096];
    while ((e = readdir(dp)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 6 || e->d_name[0] == '.' || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path)) {
            rc = fail(RN_ELEN, why, why_len, "%s/%s: path too long", dir, e->d_name);
            break;
        }
        if ((rc = load_file(d, path, why, why_len)) < 0)
            break;
    }
    closedir(dp);
    return rc;
}

const json_t *cred_docs_get(const cred_docs *d, const char *id)
{
    if (d == NULL || d->by_id == NULL || id == NULL)
        return NULL;
    return json_object_get(d->by_id, id);
}

/* ---- resolution ---- */

/* The key of a verification method object: publicKeyMultibase or publicKeyJwk. */
static int vm_key(const json_t *m, cred_key *k, char *why, size_t why_len)
{
    json_t *mb = json_object_get(m, "publicKeyMultibase");
    json_t *jwk = json_object_get(m, "publicKeyJwk");
    if (json_is_string(mb))
        return cred_key_from_multibase(json_string_value(mb), json_string_length(mb), k, why,
                                       why_len);
    if (jwk != NULL)
        return cred_key_from_jwk(jwk, k, why, why_len);
    return fail(RN_EKEY, why, why_len,
                "the verification method has neither publicKeyMultibase nor publicKeyJwk");
}

/* Does the method id `mid` (absolute, or "#frag" relative to doc_id) name vm? */
static bool same_vm(const char *mid, const char *doc_id, const char *vm)
{
    if (mid == NULL)
        return false;
    if (strcmp(mid, vm) == 0)
        return true;
    size_t dl = strlen(doc_id);
    return mid[0] == '#' && strncmp(vm, doc_id, dl) == 0 && strcmp(vm + dl, mid) == 0;
}

/* The lists of a document that hold verification methods (DID documents; Open Badges 2 and 3
 * issuer profiles name theirs "publicKey" in older data). */
static const char *const VM_LISTS[] = { "verificationMethod", "assertionMethod", "publicKey",
                                        "authentication" };

/* The method object of `doc` named vm, or NULL. */
static const json_t *find_vm(const json_t *doc, const char *doc_id, const char *vm)
{
    for (size_t l = 0; l < sizeof(VM_LISTS) / sizeof(VM_LISTS[0]); l++) {
        json_t *list = json_object_get(doc, VM_LISTS[l]);
        size_t n = json_is_array(list) ? json_array_size(list) : 1;
        for (size_t i = 0; i < n && i < CRED_VM_PER_DOC_MAX; i++) {
            const json_t *m = json_is_array(list) ? json_array_get(list, i) : list;
            if (json_is_object(m) &&
                same_vm(json_string_value(json_object_get(m, "id")), doc_id, vm))
                return m;
        }
    }
    return NULL;
}

static int from_doc(const json_t *doc, const char *base, const char *vm, bool has_frag,
                    cred_resolved *out, char *why, size_t why_len)
{
    const json_t *m = find_vm(doc, base, vm);
    int rc;
    if (m == NULL && !has_frag &&
        (json_object_get(doc, "publicKeyMultibase") != NULL ||
         json_object_get(doc, "publicKeyJwk") != NULL))
        m = doc; /* the document is the key itself (a CryptographicKey) */
    if (m == NULL)
        return fail(RN_ENOTFOUND, why, why_len,
                    "the supplied document %s lists no verification method %s", base, vm);
    char sub[192];
    if ((rc = vm_key(m, &out->key, sub, sizeof(sub))) < 0)
        return rc == RN_ENOMEM ? rc : fail(RN_EKEY, why, why_len, "%.120s: %s", vm, sub);
    const char *ctl = json_string_value(json_object_get(m, "controller"));
    if (ctl == NULL || m == doc)
        ctl = base;
    snprintf(out->controller, sizeof(out->controller), "%s", ctl);
    out->how = "document";
    return 0;
}

int cred_resolve(const cred_docs *docs, const char *vm, cred_resolved *out, char *why,
                 size_t why_len)
{
    char base[CRED_ID_BYTES_MAX + 1], sub[192];
    cred_resolved r;
    int rc;
    memset(&r, 0, sizeof(r));
    size_t n = strlen(vm);
    if (n == 0 || n > CRED_ID_BYTES_MAX)
        return fail(n == 0 ? RN_EINVAL : RN_ELEN, why, why_len,
                    "a verification method is 1 to %u bytes", CRED_ID_BYTES_MAX);
    /* A URI: scheme ":" ... (RFC 3986: a letter, then letters, digits, + - .). */
    size_t s = 0;
    while (s < n && ((vm[s] >= 'a' && vm[s] <= 'z') || (vm[s] >= 'A' && vm[s] <= 'Z') ||
                     (s > 0 && ((vm[s] >= '0' && vm[s] <= '9') || vm[s] == '+' || vm[s] == '-' ||
                                vm[s] == '.'))))
        s++;
    if (s == 0 || s >= n || vm[s] != ':')
        return fail(RN_EINVAL, why, why_len, "%.80s is not a URI (no scheme)", vm);
    const char *hash = strchr(vm, '#');
    size_t base_n = hash != NULL ? (size_t)(hash - vm) : n;
    const char *frag = hash != NULL ? hash + 1 : NULL;
    memcpy(base, vm, base_n);
    base[base_n] = '\0';

    if (starts(base, "did:key:")) {
        const char *msid = base + 8;
        if (frag != NULL && strcmp(frag, msid) != 0)
            return fail(RN_ENOTFOUND, why, why_len, "%.80s: a did:key's only method is #%.60s", vm,
                        msid);
        if ((rc = cred_key_from_multibase(msid, strlen(msid), &r.key, sub, sizeof(sub))) < 0)
            return rc == RN_ENOMEM ? rc : fail(rc, why, why_len, "%.80s: %s", vm, sub);
        snprintf(r.controller, sizeof(r.controller), "%s", base);
        r.how = "did:key";
        *out = r;
        return 0;
    }
    if (starts(base, "did:jwk:")) {
        uint8_t *b;
        size_t len;
        json_error_t je;
        if (frag != NULL && strcmp(frag, "0") != 0)
            return fail(RN_ENOTFOUND, why, why_len, "%.80s: a did:jwk's only method is #0", vm);
        rc = cred_b64url_decode(base + 8, strlen(base + 8), &b, &len);
        if (rc == RN_ENOMEM)
            return rc;
        if (rc < 0)
            return fail(RN_EKEY, why, why_len, "%.80s: the did:jwk is not base64url", vm);
        json_t *jwk = json_loadb((const char *)b, len, JSON_REJECT_DUPLICATES, &je);
        free(b);
        if (jwk == NULL)
            return fail(RN_EKEY, why, why_len, "%.80s: the did:jwk is not a JSON JWK", vm);
        rc = cred_key_from_jwk(jwk, &r.key, sub, sizeof(sub));
        json_decref(jwk);
        if (rc < 0)
            return rc == RN_ENOMEM ? rc : fail(RN_EKEY, why, why_len, "%.80s: %s", vm, sub);
        snprintf(r.controller, sizeof(r.controller), "%s", base);
        r.how = "did:jwk";
        *out = r;
        return 0;
    }
    const json_t *doc = cred_docs_get(docs, base);
    if (doc != NULL)
        return from_doc(doc, base, vm, frag != NULL, out, why, why_len);
    if (is_did(base)) {
        const char *method = base + 4, *end = strchr(method, ':');
        int mlen = end != NULL ? (int)(end - method) : (int)strlen(method);
        if (mlen == 3 && strncmp(method, "web", 3) == 0)
            return fail(RN_ENOTFOUND, why, why_len,
                        "%.80s: a did:web is resolved from the documents supplied, and none is "
                        "%.80s",
                        vm, base);
        return fail(RN_EINVAL, why, why_len,
                    "%.80s: the DID method %.*s is not resolved here (did:key and did:jwk "
                    "locally; did:web and others from supplied documents, and none is %.80s)",
                    vm, mlen, method, base);
    }
    if (is_http(base)) {
        if (frag != NULL && frag[0] == 'z') {
            rc = cred_key_from_multibase(frag, strlen(frag), &r.key, sub, sizeof(sub));
            if (rc == RN_ENOMEM)
                return rc;
            if (rc < 0)
                return fail(rc, why, why_len,
                            "%.80s: the fragment is not a multibase public key (%s), and no "
                            "document is supplied for %.80s",
                            vm, sub, base);
            snprintf(r.controller, sizeof(r.controller), "%s", base);
            r.how = "controller#multibase";
            *out = r;
            return 0;
        }
        return fail(RN_ENOTFOUND, why, why_len,
                    "%.80s: no document is supplied for %.80s (documents are never fetched)", vm,
                    base);
    }
    return fail(RN_EINVAL, why, why_len,
                "%.80s: the scheme %.*s cannot be resolved (did:, https: and http: can)", vm,
                (int)s, vm);
}

void cred_resolved_free(cred_resolved *r)
{
    cred_key_free(&r->key);
    memset(r, 0, sizeof(*r));
}

/* ---- binding ---- */

/* Does the issuer's document list vm, or a key equal to k? */
static bool doc_lists(const json_t *doc, const char *doc_id, const char *vm, const cred_key *k)
{
    for (size_t l = 0; l < sizeof(VM_LISTS) / sizeof(VM_LISTS[0]); l++) {
        json_t *list = json_object_get(doc, VM_LISTS[l]);
        size_t n = json_is_array(list) ? json_array_size(list) : 1;
        for (size_t i = 0; i < n && i < CRED_VM_PER_DOC_MAX; i++) {
            const json_t *m = json_is_array(list) ? json_array_get(list, i) : list;
            const char *mid = json_is_string(m) ? json_string_value(m)
                                                : json_string_value(json_object_get(m, "id"));
            if (vm != NULL && same_vm(mid, doc_id, vm))
                return true;
            json_t *jwk = json_is_object(m) ? json_object_get(m, "publicKeyJwk") : NULL;
            if (jwk != NULL && k != NULL) {
                /* Compared member by member: building the document's key would cost a
                 * libcrypto key construction per method. */
                if (cred_key_is_jwk(k, jwk))
                    return true;
            } else if (json_is_object(m) && k != NULL) {
                cred_key mk;
                memset(&mk, 0, sizeof(mk));
                if (vm_key(m, &mk, NULL, 0) == 0) {
                    bool eq = cred_key_equal(&mk, k);
                    cred_key_free(&mk);
                    if (eq)
                        return true;
                }
            }
        }
    }
    return false;
}

cred_bind cred_binding(const cred_docs *docs, const char *issuer, const char *vm,
                       const char *controller, const cred_key *k, char *reason, size_t reason_len)
{
    if (issuer == NULL) {
        snprintf(reason, reason_len, "the credential names no issuer");
        return CRED_BIND_NO;
    }
    if (controller != NULL && strcmp(controller, issuer) == 0) {
        snprintf(reason, reason_len, "the key is controlled by the issuer %.200s", issuer);
        return CRED_BIND_YES;
    }
    const json_t *doc = cred_docs_get(docs, issuer);
    if (doc != NULL) {
        if (doc_lists(doc, issuer, vm, k)) {
            snprintf(reason, reason_len, "the issuer's document %.200s lists the key", issuer);
            return CRED_BIND_YES;
        }
        snprintf(reason, reason_len, "the issuer's document %.200s does not list the key%s%.200s",
                 issuer, vm != NULL ? " " : "", vm != NULL ? vm : "");
        return CRED_BIND_NO;
    }
    if (starts(issuer, "did:key:") || starts(issuer, "did:jwk:")) {
        /* A self-describing DID has one key: its own. */
        cred_resolved r;
        char sub[128];
        bool eq = false;
        if (k != NULL && cred_resolve(NULL, issuer, &r, sub, sizeof(sub)) == 0) {
            eq = cred_key_equal(&r.key, k);
            cred_resolved_free(&r);
        }
        snprintf(reason, reason_len, "%s %.200s",
                 eq ? "the key is that of the issuer" : "the key is not that of the issuer",
                 issuer);
        return eq ? CRED_BIND_YES : CRED_BIND_NO;
    }
    if (controller != NULL && (is_did(issuer) || is_http(issuer)) &&
        (is_did(controller) || is_http(controller)) &&
        (strcmp(controller, issuer) != 0 && !(is_did(controller) && is_http(issuer)))) {
        snprintf(reason, reason_len, "the key is controlled by %.200s, not by the issuer %.200s",
                 controller, issuer);
        return CRED_BIND_NO;
    }
    snprintf(reason, reason_len,
             "nothing supplied ties the key%s%.200s to the issuer %.200s (supply the issuer's "
             "document)",
             vm != NULL ? " " : "", vm != NULL ? vm : "", issuer);
    return CRED_BIND_UNKNOWN;
}

int cred_resolve_ed25519(const cred_docs *docs, const char *vm, const char *issuer,
                         uint8_t out[CRED_ED25519_BYTES], char *why, size_t why_len)
{
    cred_resolved r;
    char reason[512];
    int rc = cred_resolve(docs, vm, &r, why, why_len);
    if (rc < 0)
        return rc;
    if (r.key.kty != CRED_KTY_ED25519) {
        rc = fail(RN_EKEY, why, why_len, "%.80s is a %s key, not Ed25519", vm,
                  cred_kty_name(r.key.kty));
    } else if (cred_binding(docs, issuer, vm, r.controller, &r.key, reason, sizeof(reason)) ==
               CRED_BIND_NO) {
        rc = fail(RN_EAUTHOR, why, why_len, "%s", reason);
    } else {
        memcpy(out, r.key.ed25519, CRED_ED25519_BYTES);
        rc = 0;
    }
    cred_resolved_free(&r);
    return rc;
}
