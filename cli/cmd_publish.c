/*
 * cmd_publish.c: `recnetctl <kind> publish`: a record from JSON and flags, checked here exactly
 * as every node will check it (proto_record_validate), then sent as its canonical body for the
 * node to sign into its authority's log (<kind>.publish).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "proto/limits.h"
#include "proto/record.h"
#include "recjson.h"
#include "rpc.h"

/* A JSON record file: a record is at most some 64 KiB of MessagePack; its JSON a few times that. */
#define PUBLISH_JSON_BYTES_MAX (1u << 20)

static int refused(const rec_err *e)
{
    char msg[REC_FIELD_BYTES + REC_DETAIL_BYTES + 64];
    return cli_fail_rn(CLI_REFUSED, e->code, e->field, (long)e->index - 1, "%s (%s)",
                       rec_err_format(e, msg, sizeof(msg)), rn_err_name(e->code));
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

    char method[32];
    rpc_resp resp;
    snprintf(method, sizeof(method), "%s.publish", proto_kind_name((int)cmd->kind));
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
