/*
 * cmd_import.c: `recnetctl spec import FILE`: an ELM v3 or Open Badges 3.0 credential file onto a
 * provider and a spec record (import.h), checked as every node will check them, then shown
 * (--dry-run) or published through the node: the provider first, the spec after it, each skipped
 * when the node already holds the same record.
 *
 * A file that is neither format, is not JSON, lacks a mandatory element that no flag gives, or
 * carries a code outside its list is refused (exit 3) with what is wrong and where.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "import.h"
#include "proto/key.h"
#include "proto/limits.h"
#include "proto/record.h"
#include "recjson.h"
#include "rpc.h"
#include "store/keyfile.h"

/* The option of each imp_flags field. */
static const struct {
    const char *opt;
    size_t off;
} import_opts[] = {
    { "provider-id", offsetof(imp_flags, provider_id) },
    { "spec-id", offsetof(imp_flags, spec_id) },
    { "country", offsetof(imp_flags, country) },
    { "qa-status", offsetof(imp_flags, qa_status) },
    { "qa-body", offsetof(imp_flags, qa_body) },
    { "isced", offsetof(imp_flags, isced) },
    { "ects", offsetof(imp_flags, ects) },
    { "eqf", offsetof(imp_flags, eqf) },
    { "qa-type", offsetof(imp_flags, qa_type) },
    { "assessment", offsetof(imp_flags, assessment) },
    { "participation", offsetof(imp_flags, participation) },
    { "supervision", offsetof(imp_flags, supervision) },
    { "stackability", offsetof(imp_flags, stackability) },
    { "part-of", offsetof(imp_flags, part_of) },
    { "languages", offsetof(imp_flags, languages) },
    { "valid-from", offsetof(imp_flags, valid_from) },
    { "valid-until", offsetof(imp_flags, valid_until) },
    { "key-valid-from", offsetof(imp_flags, key_valid_from) },
};

/* --issuer-key: a key rn1:... as it is, or a secret key file whose public key is taken. */
static int issuer_key_text(const cli_cmd *cmd, const char *v, char out[PROTO_KEY_TEXT_LEN + 1])
{
    uint8_t pk[PROTO_KEY_BYTES], seed[PROTO_SEED_BYTES];
    int err = 0;
    if (strncmp(v, PROTO_KEY_TEXT_PREFIX, PROTO_KEY_TEXT_PREFIX_LEN) == 0) {
        if (proto_key_text_parse(v, strlen(v), pk) < 0)
            return cli_usage(cmd, "--issuer-key %s: not a key rn1:...", v);
    } else {
        int rc = store_keyfile_read(v, seed, pk, &err, NULL);
        sodium_memzero(seed, sizeof(seed));
        if (rc < 0)
            return cli_fail(rc == RN_EIO ? CLI_ERROR : CLI_REFUSED, "--issuer-key %s: %s%s%s", v,
                            rn_strerror(rc), err != 0 ? ": " : "", err != 0 ? strerror(err) : "");
    }
    proto_key_text_format(pk, out);
    return CLI_OK;
}

static json_t *report_json(const imp_report *p)
{
    json_t *o = json_object();
    if (p->field != NULL) {
        json_object_set_new(o, "field", json_string(p->field));
        json_object_set_new(o, "element", json_string(p->element));
    }
    if (p->level != IMP_NOTE) {
        json_object_set_new(o, "required", json_boolean(p->level == IMP_LACK_REQUIRED));
        json_object_set_new(o, "given_by_flag", json_boolean(p->resolved));
        if (p->flag != NULL)
            json_object_set_new(o, "flag", json_string(p->flag));
    }
    json_object_set_new(o, "why", json_string(p->text));
    return o;
}

/* The lacks (and, when `notes`, the notes) for people. */
static void print_reports(const imp_result *r, bool notes, FILE *f)
{
    bool any = false;
    for (unsigned i = 0; i < r->reports_n; i++) {
        const imp_report *p = &r->reports[i];
        if (p->level == IMP_NOTE)
            continue;
        if (!any)
            fprintf(f, "the file lacks:\n");
        any = true;
        fprintf(f, "  - %s, %s (", p->field, p->element);
        if (p->resolved)
            fprintf(f, "%s, given on the command line",
                    p->level == IMP_LACK_REQUIRED ? "mandatory" : "optional");
        else if (p->level == IMP_LACK_OPTIONAL)
            fprintf(f, "optional, left out");
        else if (p->flag != NULL)
            fprintf(f, "MANDATORY: give %s", p->flag);
        else
            fprintf(f, "MANDATORY, and no flag gives it");
        fprintf(f, "): %s", p->text);
        fputc('\n', f);
    }
    if (!any)
        fprintf(f, "the file lacks no Annex I element\n");
    if (!notes)
        return;
    fprintf(f, "how it was read:\n");
    for (unsigned i = 0; i < r->reports_n; i++) {
        const imp_report *p = &r->reports[i];
        if (p->level == IMP_NOTE)
            fprintf(f, "  - %s%s%s\n", p->field != NULL ? p->field : "",
                    p->field != NULL ? ": " : "", p->text);
    }
}

/* Publishes a record unless the node holds the same one. */
static int publish_record(cli *c, const proto_record *rec, const mp_buf *body, json_t *out)
{
    proto_str id = proto_record_id(rec);
    char sid[RN_ID_BYTES_MAX + 1], method[32];
    const char *kname = proto_kind_name((int)rec->kind);
    uint8_t *buf = NULL;
    proto_entry e;
    proto_record *held = malloc(sizeof(*held));
    rpc_resp resp;
    mp_buf p;
    int rc;
    if (held == NULL)
        return cli_fail(CLI_ERROR, "out of memory");
    snprintf(sid, sizeof(sid), "%.*s", (int)id.len, (const char *)id.ptr);
    rc = cli_record_get(c, rec->kind, sid, UINT64_MAX, &buf, &e, held);
    if (rc == CLI_OK && proto_record_equal(rec, held)) {
        if (c->json) {
            json_t *o = json_object();
            json_object_set_new(o, "id", json_string(sid));
            json_object_set_new(o, "published", json_false());
            json_object_set_new(o, "seq", json_integer((json_int_t)e.seq));
            json_object_set_new(out, kname, o);
        } else {
            printf("%s %s: the node already holds this record (entry %llu): not published "
                   "again\n",
                   kname, sid, (unsigned long long)e.seq);
        }
        free(buf);
        free(held);
        return CLI_OK;
    }
    free(buf);
    free(held);
    if (rc != CLI_OK && rc != CLI_NEGATIVE)
        return rc;
    snprintf(method, sizeof(method), "%s.publish", kname);
    mp_buf_init(&p, RN_RECORD_BYTES_MAX + 64u);
    mp_put_array(&p, 1);
    mp_put_bin(&p, body->data, body->len);
    rc = cli_call(c, method, &p, &resp);
    if (rc == CLI_OK) {
        json_t *res = rpc_to_json(resp.result);
        if (res == NULL) {
            rc = cli_fail(CLI_ERROR, "%s: malformed result", method);
        } else if (c->json) {
            json_object_set_new(res, "id", json_string(sid));
            json_object_set_new(res, "published", json_true());
            json_object_set(out, kname, res);
        } else {
            printf("published %s %s as entry %lld\n", kname, sid,
                   (long long)json_integer_value(json_object_get(res, "seq")));
        }
        json_decref(res);
    }
    rpc_resp_free(&resp);
    mp_buf_free(&p);
    return rc;
}

/* The provider's issuer keys are recnet's own: when the import gives none and the node holds the
 * provider with some, they are kept rather than dropped by the new version. */
static int keep_keys(cli *c, imp_result *r)
{
    const char *pid = json_string_value(json_object_get(r->provider, "id"));
    uint8_t *buf = NULL;
    proto_entry e;
    proto_record *held = malloc(sizeof(*held));
    int rc;
    if (held == NULL)
        return cli_fail(CLI_ERROR, "out of memory");
    rc = cli_record_get(c, PROTO_KIND_PROVIDER, pid, UINT64_MAX, &buf, &e, held);
    if (rc == CLI_OK && held->u.provider.issuer_keys_n > 0) {
        json_t *j = rec_to_json(held);
        json_t *keys = json_object_get(j, "issuer_keys");
        if (keys != NULL)
            json_object_set(r->provider, "issuer_keys", keys);
        json_decref(j);
        if (!c->json)
            printf("provider %s: keeping the %u issuer key(s) the node holds\n", pid,
                   held->u.provider.issuer_keys_n);
    }
    free(buf);
    free(held);
    return rc == CLI_NEGATIVE ? CLI_OK : rc;
}

int cmd_spec_import(cli *c, const cli_cmd *cmd, cli_args *a)
{
    const char *path = a->pos[0];
    uint8_t *buf = NULL;
    size_t len;
    char why[IMP_WHY_BYTES], key[PROTO_KEY_TEXT_LEN + 1];
    json_error_t je;
    json_t *doc = NULL, *out = NULL;
    imp_flags fl;
    imp_result *r = calloc(1, sizeof(*r));
    proto_record *prov = malloc(sizeof(*prov)), *spec = malloc(sizeof(*spec));
    rec_bytes *pb = malloc(sizeof(*pb)), *sb = malloc(sizeof(*sb));
    mp_buf pbody, sbody;
    rec_err e;
    bool dry = cli_optset(cmd, a, "dry-run");
    int rc;
    mp_buf_init(&pbody, RN_RECORD_BYTES_MAX);
    mp_buf_init(&sbody, RN_RECORD_BYTES_MAX);
    if (r == NULL || prov == NULL || spec == NULL || pb == NULL || sb == NULL) {
        rc = cli_fail(CLI_ERROR, "out of memory");
        goto out;
    }
    memset(&fl, 0, sizeof(fl));
    for (size_t i = 0; i < sizeof(import_opts) / sizeof(import_opts[0]); i++)
        *(const char **)((char *)&fl + import_opts[i].off) = cli_optval(cmd, a, import_opts[i].opt);
    if (cli_optval(cmd, a, "issuer-key") != NULL) {
        if ((rc = issuer_key_text(cmd, cli_optval(cmd, a, "issuer-key"), key)) != CLI_OK)
            goto out;
        fl.issuer_key = key;
    }

    rc = cli_read_file(path, IMP_FILE_BYTES_MAX, &buf, &len, why, sizeof(why));
    if (rc < 0) {
        rc = cli_fail(rc == RN_ETOOBIG ? CLI_REFUSED : CLI_ERROR, "%s", why);
        goto out;
    }
    doc = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je);
    if (doc == NULL) {
        rc = cli_fail(CLI_REFUSED, "%s:%d:%d: not valid JSON: %s", path, je.line, je.column,
                      je.text);
        goto out;
    }
    rc = imp_map(doc, &fl, r, why, sizeof(why));
    if (rc < 0) {
        rc = cli_fail(rc == RN_ENOMEM ? CLI_ERROR : CLI_REFUSED, "%s: %s (%s)", path, why,
                      rn_err_name(rc));
        goto out;
    }
    unsigned missing = imp_missing_required(r);
    if (missing > 0) {
        char list[1024] = "";
        size_t n = 0;
        for (unsigned i = 0; i < r->reports_n; i++) {
            const imp_report *p = &r->reports[i];
            if (p->level != IMP_LACK_REQUIRED || p->resolved)
                continue;
            int w = snprintf(list + n, sizeof(list) - n, "%s%s (%s)", n > 0 ? ", " : "", p->field,
                             p->flag != NULL ? p->flag : "no flag gives it");
            if (w < 0 || (size_t)w >= sizeof(list) - n)
                break;
            n += (size_t)w;
        }
        print_reports(r, false, c->json ? stderr : stdout);
        rc = cli_fail(CLI_REFUSED, "%s (%s) lacks %u mandatory element%s: %s", path,
                      imp_format_name(r->format), missing, missing == 1 ? "" : "s", list);
        goto out;
    }
    if (!dry && json_object_get(r->provider, "issuer_keys") == NULL &&
        (rc = keep_keys(c, r)) != CLI_OK)
        goto out;
    if (rec_from_json(prov, PROTO_KIND_PROVIDER, r->provider, pb, &e) < 0 ||
        rec_from_json(spec, PROTO_KIND_SPEC, r->spec, sb, &e) < 0) {
        char msg[REC_FIELD_BYTES + REC_DETAIL_BYTES + 64];
        rc = cli_fail(CLI_REFUSED, "%s: the imported record is not valid: %s (%s)", path,
                      rec_err_format(&e, msg, sizeof(msg)), rn_err_name(e.code));
        goto out;
    }
    if (proto_record_encode(prov, &pbody) < 0 || proto_record_encode(spec, &sbody) < 0) {
        rc = cli_fail(CLI_REFUSED, "%s: the imported records do not encode", path);
        goto out;
    }

    out = json_object();
    json_object_set_new(out, "format", json_string(r->format == IMP_ELM ? "elm" : "obv3"));
    json_object_set_new(out, "file", json_string(path));
    if (dry || c->json) {
        json_t *lacks = json_array(), *notes = json_array();
        for (unsigned i = 0; i < r->reports_n; i++)
            json_array_append_new(r->reports[i].level == IMP_NOTE ? notes : lacks,
                                  report_json(&r->reports[i]));
        json_object_set_new(out, "provider", rec_to_json(prov));
        json_object_set_new(out, "spec", rec_to_json(spec));
        json_object_set_new(out, "lacks", lacks);
        json_object_set_new(out, "notes", notes);
    }
    if (dry) {
        if (c->json) {
            cli_json_print(out);
        } else {
            printf("%s: %s; the records it would publish:\n\nprovider:\n", path,
                   imp_format_name(r->format));
            cli_json_print(json_object_get(out, "provider"));
            printf("\nspec:\n");
            cli_json_print(json_object_get(out, "spec"));
            putchar('\n');
            print_reports(r, true, stdout);
        }
        rc = CLI_OK;
        goto out;
    }
    if (!c->json) {
        printf("%s: %s\n", path, imp_format_name(r->format));
        print_reports(r, false, stdout);
    }
    if ((rc = publish_record(c, prov, &pbody, out)) != CLI_OK ||
        (rc = publish_record(c, spec, &sbody, out)) != CLI_OK)
        goto out;
    if (c->json)
        cli_json_print(out);
out:
    sodium_memzero(key, sizeof(key));
    json_decref(out);
    json_decref(doc);
    if (r != NULL)
        imp_result_free(r);
    free(r);
    free(prov);
    free(spec);
    free(pb);
    free(sb);
    free(buf);
    mp_buf_free(&pbody);
    mp_buf_free(&sbody);
    return rc;
}
