/*
 * cmd_export.c: `recnetctl spec export ID --as ob3|elm [--at T] [--out FILE]`: a spec and its
 * provider, read through the node's `record` method, as an Open Badges 3.0 Achievement or an
 * ELM v3 LearningAchievementSpecification (api/export.h). The document is printed in the one
 * text form of api_json_text, so it is byte for byte what the gateway's GET /v1/spec/{id}?as=
 * serves for the same time.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/export.h"
#include "api/json.h"
#include "cli.h"
#include "proto/record.h"
#include "api/recjson.h"
#include "rpc.h"

int cmd_spec_export(cli *c, const cli_cmd *cmd, cli_args *a)
{
    const char *id = a->pos[0], *at_s = cli_optval(cmd, a, "at");
    const char *as = cli_optval(cmd, a, "as"), *out = cli_optval(cmd, a, "out");
    api_export_form form;
    uint64_t at = UINT64_MAX;
    uint8_t *sbuf = NULL, *pbuf = NULL;
    proto_entry se, pe;
    proto_record *s = NULL, *p = NULL;
    json_t *doc = NULL;
    char *text = NULL, why[256], pid[RN_ID_BYTES_MAX + 1];
    int rc;

    if (as == NULL || api_export_form_parse(as, &form) < 0)
        return cli_usage(cmd, "--as: ob3 (an Open Badges 3.0 Achievement) or elm (an ELM v3 "
                              "LearningAchievementSpecification)");
    if (proto_id_check((const uint8_t *)id, strlen(id)) < 0)
        return cli_usage(cmd, "%s: expected an id CC:reference", id);
    if (at_s != NULL && rec_time_parse(at_s, strlen(at_s), &at) < 0)
        return cli_usage(cmd, "--at: expected a date (2024-09-01), a datetime with its zone "
                              "(2024-09-01T10:30:00Z) or ms since the epoch");
    s = malloc(sizeof(*s));
    p = malloc(sizeof(*p));
    if (s == NULL || p == NULL) {
        rc = cli_fail(CLI_ERROR, "out of memory");
        goto out;
    }
    rc = cli_record_get(c, PROTO_KIND_SPEC, id, at, &sbuf, &se, s);
    if (rc == CLI_NEGATIVE) {
        rc = cli_fail_rn(CLI_NEGATIVE, RN_ENOTFOUND, NULL, -1, "the node holds no spec %s%s%s", id,
                         at_s != NULL ? " as of " : "", at_s != NULL ? at_s : "");
        goto out;
    }
    if (rc != CLI_OK)
        goto out;
    /* The provider as of the same time: the one the spec named then. */
    snprintf(pid, sizeof(pid), "%.*s", (int)s->u.spec.provider.len,
             (const char *)s->u.spec.provider.ptr);
    rc = cli_record_get(c, PROTO_KIND_PROVIDER, pid, at, &pbuf, &pe, p);
    if (rc == CLI_NEGATIVE) {
        rc = cli_fail_rn(CLI_NEGATIVE, RN_ENOTFOUND, NULL, -1,
                         "the node holds no provider %s, which spec %s names", pid, id);
        goto out;
    }
    if (rc != CLI_OK)
        goto out;
    int erc = api_export_spec(&s->u.spec, &p->u.provider, form, &doc, why, sizeof(why));
    if (erc < 0) {
        rc = cli_fail_rn(CLI_ERROR, erc, NULL, -1, "export: %s", why);
        goto out;
    }
    text = api_json_text(doc);
    if (text == NULL) {
        rc = cli_fail(CLI_ERROR, "out of memory");
        goto out;
    }
    if (out == NULL) {
        fputs(text, stdout);
        rc = fflush(stdout) == 0 ? CLI_OK : cli_fail(CLI_ERROR, "cannot write the output");
        goto out;
    }
    FILE *f = fopen(out, "wb");
    if (f == NULL) {
        rc = cli_fail(CLI_ERROR, "cannot create %s: %s", out, strerror(errno));
        goto out;
    }
    size_t n = strlen(text);
    bool ok = fwrite(text, 1, n, f) == n;
    ok = fclose(f) == 0 && ok;
    rc = ok ? CLI_OK : cli_fail(CLI_ERROR, "cannot write %s: %s", out, strerror(errno));
    if (ok && !c->json)
        fprintf(stderr, "spec %s as %s written to %s\n", id,
                form == API_EXPORT_OB3 ? "an Open Badges 3.0 Achievement"
                                       : "an ELM LearningAchievementSpecification",
                out);
out:
    free(text);
    json_decref(doc);
    free(sbuf);
    free(pbuf);
    free(s);
    free(p);
    return rc;
}
