/*
 * cmd_status.c: `recnetctl status-list export`: a provider's revocations as the W3C Bitstring
 * Status List credential its authority's node signs (control method status.list, PROTOCOL.md
 * 13.7), written to a file or to standard output, for a verifier to check credentials against
 * (`credential check --status-list FILE`) or for the operator to publish at the URL that the
 * provider's credentials name in their credentialStatus.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "proto/ctl.h"
#include "proto/limits.h"
#include "proto/record.h"
#include "api/recjson.h"
#include "rpc.h"

static uint64_t num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) && json_integer_value(v) >= 0 ? (uint64_t)json_integer_value(v) : 0;
}

int cmd_status_list_export(cli *c, const cli_cmd *cmd, cli_args *a)
{
    const char *provider = a->pos[0], *at_s = cli_optval(cmd, a, "at");
    const char *url = cli_optval(cmd, a, "url"), *out = cli_optval(cmd, a, "output");
    uint64_t at = 0;
    if (proto_id_check((const uint8_t *)provider, strlen(provider)) < 0)
        return cli_usage(cmd, "%s: expected a provider id CC:reference", provider);
    if (at_s != NULL && rec_time_parse(at_s, strlen(at_s), &at) < 0)
        return cli_usage(cmd, "--at: expected a date (2024-09-01), a datetime with its zone "
                              "(2024-09-01T10:30:00Z) or ms since the epoch");
    if (url != NULL && strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
        return cli_usage(cmd, "--url: the http(s) URL the provider's credentials name as their "
                              "statusListCredential");
    mp_buf p;
    rpc_resp raw;
    memset(&raw, 0, sizeof(raw));
    mp_buf_init(&p, 1024);
    mp_put_array(&p, 3);
    mp_put_cstr(&p, provider);
    if (at_s != NULL)
        mp_put_uint(&p, at);
    else
        mp_put_nil(&p);
    if (url != NULL)
        mp_put_cstr(&p, url);
    else
        mp_put_nil(&p);
    json_t *res = NULL;
    int rc = cli_call(c, CTL_STATUS_LIST, &p, &raw);
    if (rc == CLI_OK && (res = rpc_to_json(raw.result)) == NULL)
        rc = cli_fail(CLI_ERROR, "%s: malformed result", CTL_STATUS_LIST);
    const char *doc = json_string_value(json_object_get(res, "credential"));
    if (rc == CLI_OK && doc == NULL)
        rc = cli_fail(CLI_ERROR, "%s: the answer carries no credential", CTL_STATUS_LIST);
    if (rc != CLI_OK)
        goto done;
    if (out != NULL) {
        FILE *f = fopen(out, "wb");
        size_t n = strlen(doc);
        if (f == NULL || fwrite(doc, 1, n, f) != n || fputc('\n', f) == EOF) {
            if (f != NULL)
                fclose(f);
            rc = cli_fail(CLI_ERROR, "cannot write %s", out);
            goto done;
        }
        if (fclose(f) != 0) {
            rc = cli_fail(CLI_ERROR, "cannot write %s", out);
            goto done;
        }
    }
    if (c->json) {
        if (out != NULL)
            json_object_set_new(res, "saved", json_string(out));
        cli_json_print(res);
    } else if (out == NULL) {
        printf("%s\n", doc);
    } else {
        char when[REC_TIME_BYTES];
        rec_time_format(num(res, "at"), when);
        printf("status list of %s as of %s: %" PRIu64 " of %" PRIu64 " entries revoked", provider,
               when, num(res, "revoked"), num(res, "entries"));
        if (num(res, "unindexed") > 0)
            printf(" (%" PRIu64 " revocations carry no status index and are not in it)",
                   num(res, "unindexed"));
        printf("\n  id      %s\n  issuer  %s\n  saved to %s\n",
               json_string_value(json_object_get(res, "id")),
               json_string_value(json_object_get(res, "issuer")), out);
    }
done:
    json_decref(res);
    rpc_resp_free(&raw);
    mp_buf_free(&p);
    return rc;
}
