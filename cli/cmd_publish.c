/*
 * cmd_publish.c: `recnetctl <kind> publish`: a record from JSON and flags, checked here exactly
 * as every node will check it (proto_record_validate), then sent as its canonical body for the
 * node to sign into its authority's log (<kind>.publish). A decision or a pathway that names a
 * spec the node does not know is refused unless --force: the node itself accepts it (the spec may
 * arrive later), but a typo in a spec id would otherwise be published without a word.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cred/codec.h"
#include "cred/status.h"
#include "proto/limits.h"
#include "proto/record.h"
#include "api/recjson.h"
#include "rpc.h"

/* A JSON record file: a record is at most some 64 KiB of MessagePack; its JSON a few times that. */
#define PUBLISH_JSON_BYTES_MAX (1u << 20)

static int refused(const rec_err *e)
{
    char msg[REC_FIELD_BYTES + REC_DETAIL_BYTES + 64];
    return cli_fail_rn(CLI_REFUSED, e->code, e->field, (long)e->index - 1, "%s (%s)",
                       rec_err_format(e, msg, sizeof(msg)), rn_err_name(e->code));
}

/* The specs a record names that the node does not know (the `record` method answers
 * RN_ENOTFOUND): a decision's spec, a pathway's mandatory and eligible specs. Each is named on
 * stderr; unless `force`, the record is refused (the spec may be a typo), else published (the spec
 * may not have arrived yet). Returns CLI_OK, or an exit code with the reason printed. */
static int unknown_specs(cli *c, const proto_record *r, bool force)
{
    const proto_str *ids = NULL, *more = NULL;
    uint32_t n = 0, n_more = 0;
    const char *field = NULL, *field_more = NULL;
    char first_field[REC_FIELD_BYTES] = "", first_id[RN_ID_BYTES_MAX + 1] = "";
    long first_index = -1;
    unsigned unknown = 0;
    if (r->kind == PROTO_KIND_DECISION) {
        ids = &r->u.decision.spec;
        n = 1;
        field = "decision.spec";
    } else if (r->kind == PROTO_KIND_PATHWAY) {
        ids = r->u.pathway.mandatory;
        n = r->u.pathway.mandatory_n;
        field = "pathway.mandatory";
        more = r->u.pathway.eligible;
        n_more = r->u.pathway.eligible_n;
        field_more = "pathway.eligible";
    } else {
        return CLI_OK;
    }
    proto_record *held = malloc(sizeof(*held));
    if (held == NULL)
        return cli_fail(CLI_ERROR, "out of memory");
    for (uint32_t k = 0; k < n + n_more; k++) {
        const proto_str *id = k < n ? &ids[k] : &more[k - n];
        const char *f = k < n ? field : field_more;
        long index = r->kind == PROTO_KIND_DECISION ? -1 : (long)(k < n ? k : k - n);
        char sid[RN_ID_BYTES_MAX + 1];
        uint8_t *buf = NULL;
        proto_entry e;
        snprintf(sid, sizeof(sid), "%.*s", (int)id->len, (const char *)id->ptr);
        int rc = cli_record_get(c, PROTO_KIND_SPEC, sid, UINT64_MAX, &buf, &e, held);
        free(buf);
        if (rc == CLI_OK)
            continue;
        if (rc != CLI_NEGATIVE) {
            free(held);
            return rc;
        }
        if (unknown++ == 0) {
            snprintf(first_field, sizeof(first_field), "%s", f);
            snprintf(first_id, sizeof(first_id), "%s", sid);
            first_index = index;
        }
        if (index >= 0)
            fprintf(stderr, "recnetctl: warning: %s[%ld]: the node knows no spec %s\n", f, index,
                    sid);
        else
            fprintf(stderr, "recnetctl: warning: %s: the node knows no spec %s\n", f, sid);
    }
    free(held);
    if (unknown == 0 || force)
        return CLI_OK;
    char where[REC_FIELD_BYTES + 24];
    if (first_index >= 0)
        snprintf(where, sizeof(where), "%s[%ld]", first_field, first_index);
    else
        snprintf(where, sizeof(where), "%s", first_field);
    return cli_fail_rn(CLI_REFUSED, RN_ENOTFOUND, first_field, first_index,
                       "%s: the node knows no spec %s%s: not published (a typo? if the spec has "
                       "not arrived yet, --force publishes anyway)",
                       where, first_id, unknown > 1 ? " (and others named above)" : "");
}

/* Loads the JSON of FILE, or an empty object without one. */
static int load(const cli_cmd *cmd, const cli_args *a, json_t **out)
{
    uint8_t *buf;
    size_t len;
    char why[512];
    json_error_t je;
    *out = NULL;
    if (a->pos_n == 0) {
        if (a->extra_n == 0)
            return cli_usage(cmd, "give a JSON file (or -) or --<field> VALUE flags");
        *out = json_object();
        return *out != NULL ? CLI_OK : cli_fail(CLI_ERROR, "out of memory");
    }
    int rc = cli_read_file(a->pos[0], PUBLISH_JSON_BYTES_MAX, &buf, &len, why, sizeof(why));
    if (rc == RN_ETOOBIG)
        return cli_fail(CLI_REFUSED, "%s", why);
    if (rc < 0)
        return cli_fail(CLI_ERROR, "%s", why);
    *out = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je);
    free(buf);
    if (*out == NULL)
        return cli_fail(CLI_REFUSED, "%s:%d:%d: %s", a->pos[0], je.line, je.column, je.text);
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return cli_fail(CLI_REFUSED, "%s: expected a JSON object", a->pos[0]);
    }
    return CLI_OK;
}

/* The status index a credential carries for its provider's list (revocation publish
 * --status-from FILE): the credential is JSON (its credentialStatus, or a VC-JWT payload's
 * vc.credentialStatus) and one BitstringStatusListEntry of purpose revocation names the list of
 * the revocation's provider as the node serves it: a URL ending in /v1/status/PROVIDER, or
 * urn:recnet:status:PROVIDER (PROTOCOL.md 13.7, cred_status_list_provider). Sets obj's
 * status_index. Returns CLI_OK, or CLI_REFUSED naming what the credential lacks. */
static bool names_list(const char *url, const char *provider)
{
    char named[RN_ID_BYTES_MAX + 1];
    return cred_status_list_provider(url, named, sizeof(named)) == 0 &&
           strcmp(named, provider) == 0;
}

static int status_from(const char *path, json_t *obj)
{
    uint8_t *buf = NULL, *payload = NULL;
    size_t len = 0, plen = 0;
    char why[512];
    const char *provider = json_string_value(json_object_get(obj, "provider"));
    if (provider == NULL)
        return cli_fail_rn(CLI_REFUSED, RN_EMISSING, "revocation.provider", -1,
                           "--status-from: give the provider first (--provider ID or the file)");
    int rc = cli_read_file(path, 1u << 20, &buf, &len, why, sizeof(why));
    if (rc < 0)
        return cli_fail(rc == RN_ETOOBIG ? CLI_REFUSED : CLI_ERROR, "%s", why);
    json_t *doc = json_loadb((const char *)buf, len, 0, NULL), *vc = doc;
    if (doc == NULL) {
        /* A VC-JWT: header.payload.signature, the payload's vc (or the payload itself). */
        const char *d1 = memchr(buf, '.', len);
        const char *d2 =
            d1 != NULL ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - (char *)buf)) : NULL;
        if (d2 != NULL && cred_b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), &payload, &plen) == 0)
            doc = json_loadb((const char *)payload, plen, 0, NULL);
        vc = json_is_object(json_object_get(doc, "vc")) ? json_object_get(doc, "vc") : doc;
    }
    free(buf);
    free(payload);
    json_t *st = json_object_get(vc, "credentialStatus"), *e;
    size_t i;
    long long index = -1;
    json_t *one = json_is_object(st) ? json_pack("[O]", st) : json_incref(st);
    json_array_foreach(one, i, e)
    {
        const char *type = json_string_value(json_object_get(e, "type"));
        const char *purpose = json_string_value(json_object_get(e, "statusPurpose"));
        const char *url = json_string_value(json_object_get(e, "statusListCredential"));
        json_t *v = json_object_get(e, "statusListIndex");
        if (type == NULL || strcmp(type, "BitstringStatusListEntry") != 0 || purpose == NULL ||
            strcmp(purpose, "revocation") != 0 || url == NULL || !names_list(url, provider))
            continue;
        char *end = NULL;
        if (json_is_integer(v))
            index = json_integer_value(v);
        else if (json_is_string(v) && json_string_value(v)[0] >= '0' &&
                 json_string_value(v)[0] <= '9')
            index = strtoll(json_string_value(v), &end, 10);
        if (end != NULL && *end != '\0')
            index = -1;
        break;
    }
    json_decref(one);
    json_decref(doc);
    if (index < 0 || index > (long long)RN_STATUS_INDEX_MAX)
        return cli_fail_rn(CLI_REFUSED, index < 0 ? RN_EMISSING : RN_ECOUNT,
                           "revocation.status_index", -1, "--status-from %s: %s", path,
                           index < 0 ? "the credential names no revocation entry of the status "
                                       "list of this provider (statusListCredential ending in "
                                       "/v1/status/PROVIDER) with a statusListIndex"
                                     : "its statusListIndex is past the list's 1,048,576 entries");
    json_t *had = json_object_get(obj, "status_index");
    if (had != NULL && (!json_is_integer(had) || json_integer_value(had) != index))
        return cli_fail_rn(CLI_REFUSED, RN_EINCONSISTENT, "revocation.status_index", -1,
                           "--status-from %s: index %lld, not the %s given", path, index,
                           json_is_integer(had) ? "status index" : "value");
    json_object_set_new(obj, "status_index", json_integer(index));
    return CLI_OK;
}

int cmd_publish(cli *c, const cli_cmd *cmd, cli_args *a)
{
    json_t *obj = NULL;
    proto_record *r = NULL;
    rec_bytes *bytes = NULL;
    rec_err e;
    mp_buf body, p;
    char name[REC_FIELD_BYTES];
    int rc = load(cmd, a, &obj);
    mp_buf_init(&body, RN_RECORD_BYTES_MAX);
    mp_buf_init(&p, RN_RECORD_BYTES_MAX + 64u);
    if (rc != CLI_OK)
        goto out;
    for (unsigned i = 0; i < a->extra_n; i++) {
        /* "--field=value" arrives as name "field=value": keep the name only. */
        const char *eq = strchr(a->extra_name[i], '=');
        size_t n = eq != NULL ? (size_t)(eq - a->extra_name[i]) : strlen(a->extra_name[i]);
        snprintf(name, sizeof(name), "%.*s", (int)n, a->extra_name[i]);
        if (rec_json_set(obj, cmd->kind, name, a->extra_val[i], &e) < 0) {
            rc = e.code == RN_EUNKNOWNFIELD ? cli_usage(cmd, "unknown field --%s", name)
                                            : refused(&e);
            goto out;
        }
    }
    const char *sf = cmd->kind == PROTO_KIND_REVOCATION ? cli_optval(cmd, a, "status-from") : NULL;
    if (sf != NULL && (rc = status_from(sf, obj)) != CLI_OK)
        goto out;
    r = malloc(sizeof(*r));
    bytes = malloc(sizeof(*bytes));
    if (r == NULL || bytes == NULL) {
        rc = cli_fail(CLI_ERROR, "out of memory");
        goto out;
    }
    if (rec_from_json(r, cmd->kind, obj, bytes, &e) < 0) {
        rc = refused(&e);
        goto out;
    }
    if (proto_record_encode(r, &body) < 0) {
        rc = cli_fail(CLI_REFUSED, "the record does not encode");
        goto out;
    }
    if (cli_optset(cmd, a, "dry-run")) {
        json_t *norm = rec_to_json(r);
        char *hex = malloc(2 * body.len + 1);
        if (norm == NULL || hex == NULL) {
            json_decref(norm);
            free(hex);
            rc = cli_fail(CLI_ERROR, "out of memory");
            goto out;
        }
        rec_hex(body.data, body.len, hex);
        if (c->json) {
            json_t *o = json_object();
            json_object_set_new(o, "kind", json_string(proto_kind_name((int)cmd->kind)));
            json_object_set(o, "record", norm);
            json_object_set_new(o, "body", json_string(hex));
            cli_json_print(o);
            json_decref(o);
        } else {
            printf("%s record, valid; its canonical body is %zu bytes:\n%s\n",
                   proto_kind_name((int)cmd->kind), body.len, hex);
            cli_json_print(norm);
        }
        json_decref(norm);
        free(hex);
        rc = CLI_OK;
        goto out;
    }

    if ((rc = unknown_specs(c, r, cli_optset(cmd, a, "force"))) != CLI_OK)
        goto out;
    const char *method = ctl_method_publish(cmd->kind)->name;
    rpc_resp resp;
    mp_put_array(&p, 1);
    mp_put_bin(&p, body.data, body.len);
    rc = cli_call(c, method, &p, &resp);
    if (rc == CLI_OK) {
        json_t *res = rpc_to_json(resp.result);
        proto_str rid = proto_record_id(r);
        if (res == NULL) {
            rc = cli_fail(CLI_ERROR, "%s: malformed result", method);
        } else if (c->json) {
            json_object_set_new(res, "record_id", json_stringn((const char *)rid.ptr, rid.len));
            cli_json_print(res);
        } else {
            printf("published %s %.*s as entry %lld (id %s)\n", proto_kind_name((int)cmd->kind),
                   (int)rid.len, (const char *)rid.ptr,
                   (long long)json_integer_value(json_object_get(res, "seq")),
                   json_string_value(json_object_get(res, "id")));
        }
        json_decref(res);
    }
    rpc_resp_free(&resp);
out:
    json_decref(obj);
    free(r);
    free(bytes);
    mp_buf_free(&body);
    mp_buf_free(&p);
    return rc;
}
