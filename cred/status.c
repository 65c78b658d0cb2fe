/*
 * status.c: credentialStatus against a Bitstring Status List credential the verifier supplies
 * (W3C Bitstring Status List v1.0). The list is never fetched: without a list that covers the
 * entry the answer is "not checked", never "not revoked".
 *
 * The encodedList is multibase base64url ('u') of the GZIP-compressed bitstring (the older
 * StatusList2021 form, plain base64url, is read too); bit 0 is the most significant bit of the
 * first byte. zlib inflates it, bounded by STATUS_BITS_BYTES_MAX. The supplied list's own proof
 * is not verified here: the verifier chose to trust the file it supplies, and the report says
 * so.
 */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "codec.h"
#include "cred.h"

/* The largest bitstring inflated: 16 MiB is 134 million entries, far above the 131,072-entry
 * minimum the specification sets for herd privacy. */
#define STATUS_BITS_BYTES_MAX (16u << 20)

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
    if (vc_issuer == NULL || list_issuer == NULL || strcmp(vc_issuer, list_issuer) != 0) {
        cred_report_add(r, "status", CRED_FAIL,
                        "the supplied status list was issued by %.120s, not by the credential's "
                        "issuer",
                        list_issuer != NULL ? list_issuer : "(nobody)");
        return;
    }
    const char *s = json_string_value(enc);
    size_t n = json_string_length(enc);
    uint8_t *gz = NULL, *bits = NULL;
    size_t gz_len = 0, bits_len = 0;
    int rc = s[0] == 'u' ? cred_b64url_decode(s + 1, n - 1, &gz, &gz_len)
                         : cred_b64url_decode(s, n, &gz, &gz_len);
    if (rc == 0)
        rc = inflate_gzip(gz, gz_len, &bits, &bits_len);
    free(gz);
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
        bool same = list_id != NULL && strcmp(list_id, url) == 0;
        cred_report_add(
            r, "status", set ? CRED_FAIL : CRED_PASS,
            "%s: entry %llu of the supplied list%s%.120s (its own proof not checked "
            "here)",
            set ? (strcmp(purpose, "suspension") == 0 ? "SUSPENDED" : "REVOKED")
                : (strcmp(purpose, "suspension") == 0 ? "not suspended" : "not revoked"),
            (unsigned long long)index, same ? " " : ", taken for ", same ? list_id : url);
    }
    free(bits);
}

void cred_status(const json_t *vc, const json_t *status_list, cred_report *r)
{
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
