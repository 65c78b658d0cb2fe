/*
 * status.c: W3C Bitstring Status List v1.0 (status.h): the encodedList both ways, the list
 * credential a node signs, and credentialStatus checked against a list the verifier supplies
 * (cred_status in cred.h). The list is never fetched: without a list that covers the entry the
 * answer is "not checked", never "not revoked".
 *
 * The encodedList is multibase base64url ('u') of the GZIP-compressed bitstring (the older
 * StatusList2021 form, plain base64url, is read too); bit 0 is the most significant bit of the
 * first byte. zlib inflates it, bounded by CRED_STATUS_BYTES_MAX. A supplied list that carries
 * a Data Integrity proof by a did:key has that proof verified ("status list proof"); one without
 * is used as the file the verifier chose to trust, and the report says so.
 *
 * Whose list: the specification expects the list to be issued by the credential's issuer. A list
 * of another issuer is taken only when the credential itself names it (the entry's
 * statusListCredential is the list's id): the issuer delegated its status to that list, as a
 * recnet provider does to its authority's node (PROTOCOL.md 13.7).
 */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "codec.h"
#include "cred.h"
#include "cred/jcs.h"
#include "cred/status.h"

#define STATUS_BITS_BYTES_MAX CRED_STATUS_BYTES_MAX

static int inflate_gzip(const uint8_t *in, size_t in_len, uint8_t **out, size_t *out_len)
{
    z_stream zs;
    size_t cap = 1u << 16;
    uint8_t *buf = malloc(cap);
    int zrc;
    if (buf == NULL)
        return RN_ENOMEM;
    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
        free(buf);
        return RN_ENOMEM;
    }
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)in_len;
    do {
        if (zs.total_out == cap) {
            if (cap >= STATUS_BITS_BYTES_MAX) {
                zrc = Z_MEM_ERROR;
                break;
            }
            uint8_t *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                zrc = Z_MEM_ERROR;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        zs.next_out = buf + zs.total_out;
        zs.avail_out = (uInt)(cap - zs.total_out);
        zrc = inflate(&zs, Z_NO_FLUSH);
    } while (zrc == Z_OK);
    inflateEnd(&zs);
    if (zrc != Z_STREAM_END || zs.avail_in != 0) {
        free(buf);
        return zrc == Z_MEM_ERROR ? RN_ETOOBIG : RN_EMALFORMED;
    }
    *out = buf;
    *out_len = zs.total_out;
    return 0;
}

int cred_status_list_decode(const char *s, size_t n, uint8_t **bits, size_t *len)
{
    uint8_t *gz = NULL;
    size_t gz_len = 0;
    *bits = NULL;
    *len = 0;
    int rc = n > 0 && s[0] == 'u' ? cred_b64url_decode(s + 1, n - 1, &gz, &gz_len)
                                  : cred_b64url_decode(s, n, &gz, &gz_len);
    if (rc == RN_ENOMEM)
        return rc;
    if (rc < 0)
        return RN_EMALFORMED;
    rc = inflate_gzip(gz, gz_len, bits, len);
    free(gz);
    return rc;
}

int cred_status_list_encode(const uint8_t *bits, size_t len, char **out)
{
    *out = NULL;
    if (len == 0 || len > CRED_STATUS_BYTES_MAX)
        return RN_EINVAL;
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        return RN_ENOMEM;
    uLong cap = deflateBound(&zs, (uLong)len);
    uint8_t *gz = malloc(cap);
    if (gz == NULL) {
        deflateEnd(&zs);
        return RN_ENOMEM;
    }
    zs.next_in = (Bytef *)(uintptr_t)bits;
    zs.avail_in = (uInt)len;
    zs.next_out = gz;
    zs.avail_out = (uInt)cap;
    int zrc = deflate(&zs, Z_FINISH);
    size_t gz_len = zs.total_out;
    deflateEnd(&zs);
    /* deflateBound is an upper bound of one Z_FINISH's output: anything else is a zlib fault. */
    RN_ASSERT(zrc == Z_STREAM_END);
    char *b64 = cred_b64url_encode(gz, gz_len);
    free(gz);
    if (b64 == NULL)
        return RN_ENOMEM;
    size_t n = strlen(b64);
    char *text = malloc(n + 2);
    if (text == NULL) {
        free(b64);
        return RN_ENOMEM;
    }
    text[0] = 'u';
    memcpy(text + 1, b64, n + 1);
    free(b64);
    *out = text;
    return 0;
}

void cred_did_key_ed25519(const uint8_t pk[32], char out[CRED_DID_KEY_CHARS])
{
    uint8_t mc[34] = { 0xed, 0x01 };
    memcpy(mc + 2, pk, 32);
    memcpy(out, "did:key:", 8);
    RN_ASSERT(cred_multibase_encode(mc, sizeof(mc), out + 8, CRED_DID_KEY_CHARS - 8) == 0);
}

static bool list_id_ok(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n == 0 || n > 512)
        return false;
    size_t head = strncmp(s, "https://", 8) == 0  ? 8u
                  : strncmp(s, "http://", 7) == 0 ? 7u
                  : strncmp(s, "urn:", 4) == 0    ? 4u
                                                  : 0u;
    if (head == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f || s[i] == '"' || s[i] == '\\')
            return false;
    return n > head;
}

int cred_status_list_credential(const cred_status_list_doc *d, cred_di_sign_fn sign, void *ctx,
                                char **json)
{
    *json = NULL;
    if (d->pk == NULL || d->purpose == NULL || d->purpose[0] == '\0' || !list_id_ok(d->id) ||
        (d->encoded == NULL && (d->bits == NULL || d->len < CRED_STATUS_BITS_MIN / 8u)) ||
        (d->encoded != NULL && d->encoded[0] != 'u'))
        return RN_EINVAL;
    char did[CRED_DID_KEY_CHARS], vm[2 * CRED_DID_KEY_CHARS], when[21];
    cred_did_key_ed25519(d->pk, did);
    snprintf(vm, sizeof(vm), "%s#%s", did, did + 8);
    cred_time_format(d->valid_from_ms, when);
    char *enc = NULL;
    if (d->encoded != NULL) {
        enc = strdup(d->encoded);
        if (enc == NULL)
            return RN_ENOMEM;
    } else {
        RN_TRY(cred_status_list_encode(d->bits, d->len, &enc));
    }
    size_t idn = strlen(d->id);
    char *subject_id = malloc(idn + 6);
    json_t *doc = json_object(), *subj = json_object(), *signed_doc = NULL;
    int rc = RN_ENOMEM;
    if (subject_id == NULL || doc == NULL || subj == NULL)
        goto done;
    memcpy(subject_id, d->id, idn);
    memcpy(subject_id + idn, "#list", 6);
    if (json_object_set_new(doc, "@context",
                            json_pack("[s]", "https://www.w3.org/ns/credentials/v2")) ||
        json_object_set_new(doc, "id", json_string(d->id)) ||
        json_object_set_new(
            doc, "type",
            json_pack("[ss]", "VerifiableCredential", "BitstringStatusListCredential")) ||
        json_object_set_new(doc, "issuer", json_string(did)) ||
        json_object_set_new(doc, "validFrom", json_string(when)) ||
        json_object_set_new(subj, "id", json_string(subject_id)) ||
        json_object_set_new(subj, "type", json_string("BitstringStatusList")) ||
        json_object_set_new(subj, "statusPurpose", json_string(d->purpose)) ||
        json_object_set_new(subj, "encodedList", json_string(enc)) ||
        json_object_set(doc, "credentialSubject", subj))
        goto done;
    rc = cred_di_sign_with(doc, CRED_DI_EDDSA_JCS_2022, sign, ctx, vm, when, &signed_doc);
    if (rc < 0)
        goto done;
    cred_buf b;
    cred_buf_init(&b, CRED_FILE_BYTES_MAX);
    rc = cred_jcs_write(signed_doc, &b);
    if (rc == 0)
        rc = cred_buf_add(&b, "", 1);
    if (rc == 0) {
        *json = b.data;
        b.data = NULL;
    }
    cred_buf_free(&b);
done:
    json_decref(signed_doc);
    json_decref(subj);
    json_decref(doc);
    free(subject_id);
    free(enc);
    return rc;
}

/* The entry's index: a decimal string (the specification) or an integer (seen in practice). */
static bool entry_index(const json_t *e, uint64_t *out)
{
    json_t *v = json_object_get(e, "statusListIndex");
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
        return true;
    }
    const char *s = json_string_value(v);
    if (s == NULL || s[0] == '\0' || strlen(s) > 12)
        return false;
    uint64_t n = 0;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return false;
        n = n * 10u + (uint64_t)(*p - '0');
    }
    *out = n;
    return true;
}

static void check_entry(const json_t *vc, const json_t *e, const json_t *list, cred_report *r)
{
    const char *type = json_string_value(json_object_get(e, "type"));
    const char *url = json_string_value(json_object_get(e, "statusListCredential"));
    const char *purpose = json_string_value(json_object_get(e, "statusPurpose"));
    uint64_t index;
    if (type == NULL || (strcmp(type, "BitstringStatusListEntry") != 0 &&
                         strcmp(type, "StatusList2021Entry") != 0)) {
        cred_report_add(r, "status", CRED_NOT_CHECKED,
                        "a status of type %.60s: only BitstringStatusListEntry is checked",
                        type != NULL ? type : "(none)");
        return;
    }
    if (url == NULL || purpose == NULL || !entry_index(e, &index)) {
        cred_report_add(r, "status", CRED_FAIL,
                        "the status entry lacks statusListCredential, statusPurpose or a "
                        "statusListIndex");
        return;
    }
    if (list == NULL) {
        cred_report_add(r, "status", CRED_NOT_CHECKED,
                        "%s status not checked: no status list supplied for %.160s", purpose, url);
        return;
    }
    const char *list_id = json_string_value(json_object_get(list, "id"));
    json_t *ls = json_object_get(list, "credentialSubject");
    const char *lpurpose = json_string_value(json_object_get(ls, "statusPurpose"));
    json_t *enc = json_object_get(ls, "encodedList");
    const char *vc_issuer = cred_issuer_id(vc), *list_issuer = cred_issuer_id(list);
    if (!json_is_string(enc) || lpurpose == NULL) {
        cred_report_add(r, "status", CRED_FAIL,
                        "the supplied status list has no credentialSubject.encodedList or "
                        "statusPurpose");
        return;
    }
    if (strcmp(lpurpose, purpose) != 0) {
        cred_report_add(r, "status", CRED_NOT_CHECKED,
                        "the supplied status list is for %.40s, the entry for %.40s", lpurpose,
                        purpose);
        return;
    }
    bool same = list_id != NULL && strcmp(list_id, url) == 0;
    bool same_issuer =
        vc_issuer != NULL && list_issuer != NULL && strcmp(vc_issuer, list_issuer) == 0;
    if (!same_issuer && !same) {
        cred_report_add(r, "status", CRED_FAIL,
                        "the supplied status list was issued by %.120s, not by the credential's "
                        "issuer, and is not the list the credential names",
                        list_issuer != NULL ? list_issuer : "(nobody)");
        return;
    }
    const char *s = json_string_value(enc);
    size_t n = json_string_length(enc);
    uint8_t *bits = NULL;
    size_t bits_len = 0;
    int rc = cred_status_list_decode(s, n, &bits, &bits_len);
    if (rc < 0) {
        cred_report_add(r, "status", CRED_FAIL,
                        "the supplied status list's encodedList is not a %s",
                        rc == RN_ETOOBIG ? "bitstring of at most 16 MiB"
                                         : "multibase base64url GZIP bitstring");
        return;
    }
    if (index / 8u >= bits_len) {
        cred_report_add(r, "status", CRED_FAIL,
                        "statusListIndex %llu is beyond the list's %zu entries",
                        (unsigned long long)index, bits_len * 8u);
    } else {
        unsigned byte = bits[index / 8u];
        bool set = ((byte >> (7u - (unsigned)(index % 8u))) & 1u) != 0;
        cred_report_add(
            r, "status", set ? CRED_FAIL : CRED_PASS,
            "%s: entry %llu of the supplied list%s%.120s%s%.80s",
            set ? (strcmp(purpose, "suspension") == 0 ? "SUSPENDED" : "REVOKED")
                : (strcmp(purpose, "suspension") == 0 ? "not suspended" : "not revoked"),
            (unsigned long long)index, same ? " " : ", taken for ", same ? list_id : url,
            same_issuer ? "" : ", signed by ", same_issuer ? "" : list_issuer);
    }
    free(bits);
}

/* A did:key verification method's Ed25519 key ("did:key:z6Mk...#z6Mk..." or the bare DID). */
static int resolve_did_key(void *ctx, const char *vm, uint8_t pk[32])
{
    (void)ctx;
    if (strncmp(vm, "did:key:", 8) != 0)
        return RN_ENOTFOUND;
    char id[CRED_DID_KEY_CHARS];
    size_t n = strcspn(vm + 8, "#");
    if (n == 0 || n >= sizeof(id))
        return RN_EKEY;
    memcpy(id, vm + 8, n);
    id[n] = '\0';
    const char *frag = vm + 8 + n;
    if (frag[0] == '#' && strcmp(frag + 1, id) != 0)
        return RN_EKEY; /* a did:key names its one key by the key itself */
    return cred_multikey_ed25519(id, pk);
}

/* The supplied list's own proof: verified when it is a Data Integrity proof by a did:key of the
 * list's issuer, else said not checked. */
static void check_list_proof(const json_t *list, cred_report *r)
{
    const char *issuer = cred_issuer_id(list);
    if (json_object_get(list, "proof") == NULL) {
        cred_report_add(r, "status list proof", CRED_NOT_CHECKED,
                        "the supplied status list carries no proof: it is used as the file the "
                        "verifier chose to trust");
        return;
    }
    cred_di_result res;
    int rc = cred_di_verify(list, resolve_did_key, NULL, &res);
    if (rc == RN_ENOTFOUND && strncmp(res.verification_method, "did:key:", 8) != 0) {
        cred_report_add(r, "status list proof", CRED_NOT_CHECKED,
                        "the supplied status list is signed by %.120s, not a did:key: its proof "
                        "is not checked here",
                        res.verification_method);
        return;
    }
    if (rc != 0) {
        cred_report_add(r, "status list proof", CRED_FAIL,
                        "the supplied status list's %.40s proof does not verify: %.160s",
                        res.cryptosuite[0] != '\0' ? res.cryptosuite : res.type, res.reason);
        return;
    }
    size_t dn = strcspn(res.verification_method, "#");
    if (issuer == NULL || strlen(issuer) != dn ||
        strncmp(issuer, res.verification_method, dn) != 0) {
        cred_report_add(r, "status list proof", CRED_FAIL,
                        "the supplied status list is signed by %.120s, not by its issuer %.120s",
                        res.verification_method, issuer != NULL ? issuer : "(none)");
        return;
    }
    cred_report_add(r, "status list proof", CRED_PASS, "%.40s by its issuer %.160s",
                    res.cryptosuite[0] != '\0' ? res.cryptosuite : res.type, issuer);
}

void cred_status(const json_t *vc, const json_t *status_list, cred_report *r)
{
    if (status_list != NULL && json_object_get(vc, "credentialStatus") != NULL)
        check_list_proof(status_list, r);
    json_t *st = json_object_get(vc, "credentialStatus");
    if (st == NULL) {
        cred_report_add(r, "status", CRED_NOT_CHECKED,
                        "the credential names no status: nobody can say it is not revoked");
        return;
    }
    if (json_is_object(st)) {
        check_entry(vc, st, status_list, r);
        return;
    }
    size_t i;
    json_t *e;
    if (!json_is_array(st) || json_array_size(st) == 0 || json_array_size(st) > 8) {
        cred_report_add(r, "status", CRED_FAIL,
                        "credentialStatus is not an entry or a list of 1 to 8 entries");
        return;
    }
    json_array_foreach(st, i, e)
    {
        if (!json_is_object(e))
            cred_report_add(r, "status", CRED_FAIL, "credentialStatus[%zu] is not an object", i);
        else
            check_entry(vc, e, status_list, r);
    }
}

int cred_status_list_provider(const char *url, char *out, size_t cap)
{
    static const char urn[] = "urn:recnet:status:", tail[] = "/v1/status/";
    const char *seg, *end;
    if (cap == 0)
        return RN_ENOTFOUND;
    out[0] = '\0';
    if (strncmp(url, urn, sizeof(urn) - 1) == 0) {
        seg = url + sizeof(urn) - 1;
        end = seg + strlen(seg);
    } else if (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0) {
        const char *host = strstr(url, "://") + 3;
        end = host + strcspn(host, "?#");
        const char *path = memchr(host, '/', (size_t)(end - host));
        size_t tn = sizeof(tail) - 1;
        if (path == NULL)
            return RN_ENOTFOUND;
        seg = end;
        while (seg > path && seg[-1] != '/')
            seg--;
        if ((size_t)(seg - path) < tn || memcmp(seg - tn, tail, tn) != 0)
            return RN_ENOTFOUND;
    } else {
        return RN_ENOTFOUND;
    }
    size_t n = 0;
    for (const char *p = seg; p < end; p++) {
        int c = (unsigned char)*p;
        if (c == '%') {
            int hi = end - p > 2 ? cred_hex_digit(p[1]) : -1,
                lo = end - p > 2 ? cred_hex_digit(p[2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return RN_ENOTFOUND;
            c = hi * 16 + lo;
            p += 2;
        }
        if (n + 1 >= cap || c == '/') {
            out[0] = '\0';
            return RN_ENOTFOUND;
        }
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return n > 0 ? 0 : RN_ENOTFOUND;
}
