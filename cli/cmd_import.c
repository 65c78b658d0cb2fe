/*
 * cmd_import.c: `recnetctl spec import FILE`: an ELM v3 or Open Badges 3.0 credential file onto a
 * provider and a spec record (import.h), checked as every node will check them, then shown
 * (--dry-run) or published through the node: the provider first, the spec after it, each skipped
 * when the node already holds the same record.
 *
 * A file that is neither format, is not JSON, lacks a mandatory element that no flag gives, or
 * carries a code outside its list is refused (exit 3) with what is wrong and where. So is a file
 * whose records would replace different ones the node holds under the same ids (two awarding
 * bodies can derive one id), unless --replace; the provider's issuer keys the node holds are
 * always kept with their registered windows, a new --issuer-key added to them. A dry run that can
 * reach the node also checks the node's country against the ids' prefixes and what it holds.
 *
 * A sealed European Digital Credential (JAdES in the JWS JSON serialization) is unwrapped first
 * (imp_unseal): the seal verified with the certificate it carries, the certificate valid now, the
 * chain checked against --trust (and --trust-list, an eIDAS trusted list verified with
 * --trust-list-signer) when given; the sealer (the certificate's subject) is reported
 * and the payload imported as an unsealed file is. A seal that does not verify, or whose
 * certificate cannot be read, refuses the import (exit 3) whatever the flags: the payload is not
 * what the certificate's key sealed. A seal that verifies with a certificate that is expired, not
 * yet valid, not the x5t#S256 named, or not chained to the --trust anchors refuses it too, naming
 * the check, unless --force: an operator may know an old credential's sealer whose certificate
 * has since expired.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cli.h"
#include "api/import.h"
#include "proto/key.h"
#include "proto/limits.h"
#include "proto/record.h"
#include "api/recjson.h"
#include "rpc.h"
#include "conf/keyfile.h"

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
        int rc = conf_keyfile_read(v, seed, pk, &err, NULL);
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

/* What the node holds under a record's id: its latest version, or nothing. */
typedef struct held {
    bool present;
    uint8_t *buf;    /* the entry (owned) */
    proto_entry e;   /* borrows buf */
    proto_record *r; /* borrows buf; owned */
} held;

static void held_free(held *h)
{
    free(h->buf);
    free(h->r);
    memset(h, 0, sizeof(*h));
}

/* Reads what the node holds of kind `kind` under `id`. Returns CLI_OK (h->present says whether
 * there is one), or an exit code with the reason printed. */
static int held_get(cli *c, proto_kind kind, const char *id, held *h)
{
    memset(h, 0, sizeof(*h));
    h->r = malloc(sizeof(*h->r));
    if (h->r == NULL)
        return cli_fail(CLI_ERROR, "out of memory");
    int rc = cli_record_get(c, kind, id, UINT64_MAX, &h->buf, &h->e, h->r);
    h->present = rc == CLI_OK;
    return rc == CLI_NEGATIVE ? CLI_OK : rc;
}

/* A record's name for people: a provider's legal name, a spec's English title (else its first). */
static void record_name(const proto_record *r, char *out, size_t len)
{
    proto_str s = { NULL, 0 };
    if (r->kind == PROTO_KIND_PROVIDER) {
        s = r->u.provider.legal_name;
    } else if (r->kind == PROTO_KIND_SPEC && r->u.spec.title_n > 0) {
        s = r->u.spec.title[0].text;
        for (uint32_t i = 0; i < r->u.spec.title_n; i++) {
            if (r->u.spec.title[i].lang.len == 2 &&
                memcmp(r->u.spec.title[i].lang.ptr, "en", 2) == 0)
                s = r->u.spec.title[i].text;
        }
    }
    snprintf(out, len, "%.*s", (int)(s.len < 200u ? s.len : 200u), (const char *)s.ptr);
}

/* The top-level fields in which two records of one kind differ, issuer keys aside (keys are
 * merged, never replaced): "legal_name, url", or "" when none. */
static void differing_fields(const proto_record *a, const proto_record *b, char *out, size_t len)
{
    json_t *ja = rec_to_json(a), *jb = rec_to_json(b);
    const char *key;
    json_t *v;
    size_t used = 0;
    out[0] = '\0';
    if (ja == NULL || jb == NULL) {
        snprintf(out, len, "?");
        goto out;
    }
    json_object_del(ja, "issuer_keys");
    json_object_del(jb, "issuer_keys");
    /* Fields of b that a lacks or holds otherwise, then fields only a has. */
    for (int pass = 0; pass < 2; pass++) {
        json_t *x = pass == 0 ? jb : ja, *y = pass == 0 ? ja : jb;
        json_object_foreach(x, key, v)
        {
            json_t *w = json_object_get(y, key);
            if ((pass == 0 && (w == NULL || !json_equal(v, w))) || (pass == 1 && w == NULL)) {
                int n = snprintf(out + used, len - used, "%s%s", used > 0 ? ", " : "", key);
                if (n < 0 || (size_t)n >= len - used)
                    goto out;
                used += (size_t)n;
            }
        }
    }
out:
    json_decref(ja);
    json_decref(jb);
}

/* Would publishing `rec` replace a different record the node holds (`h`)? Keys added to a
 * provider are not a difference. Prints the conflict and returns true when it would. */
static bool conflicts(const proto_record *rec, const held *h, char *msg, size_t len)
{
    char was[256], now[256], diff[256];
    proto_str id = proto_record_id(rec);
    if (!h->present || proto_record_equal(rec, h->r))
        return false;
    differing_fields(h->r, rec, diff, sizeof(diff));
    if (diff[0] == '\0')
        return false;
    record_name(h->r, was, sizeof(was));
    record_name(rec, now, sizeof(now));
    snprintf(msg, len,
             "%s %.*s: the node holds \"%s\" (entry %llu); the file's \"%s\" would replace it "
             "(differing in %s)",
             proto_kind_name((int)rec->kind), (int)id.len, (const char *)id.ptr, was,
             (unsigned long long)h->e.seq, now, diff);
    return true;
}

/* Publishes a record unless the node holds the same one (`h`). */
static int publish_record(cli *c, const proto_record *rec, const mp_buf *body, const held *h,
                          json_t *out)
{
    proto_str id = proto_record_id(rec);
    char sid[RN_ID_BYTES_MAX + 1];
    const char *kname = proto_kind_name((int)rec->kind);
    rpc_resp resp;
    mp_buf p;
    int rc;
    snprintf(sid, sizeof(sid), "%.*s", (int)id.len, (const char *)id.ptr);
    if (h->present && proto_record_equal(rec, h->r)) {
        if (c->json) {
            json_t *o = json_object();
            json_object_set_new(o, "id", json_string(sid));
            json_object_set_new(o, "published", json_false());
            json_object_set_new(o, "seq", json_integer((json_int_t)h->e.seq));
            json_object_set_new(out, kname, o);
        } else {
            printf("%s %s: the node already holds this record (entry %llu): not published "
                   "again\n",
                   kname, sid, (unsigned long long)h->e.seq);
        }
        return CLI_OK;
    }
    const char *method = ctl_method_publish(rec->kind)->name;
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

/* The provider's issuer keys are recnet's own, and a registered key's validity window is never
 * moved by an import: the keys the node holds for the provider are kept as they are, and a key
 * given with --issuer-key is added only when it is not among them (`h` is the held provider). */
static int merge_keys(cli *c, imp_result *r, const held *h)
{
    const char *pid = json_string_value(json_object_get(r->provider, "id"));
    if (!h->present || h->r->u.provider.issuer_keys_n == 0)
        return CLI_OK;
    json_t *j = rec_to_json(h->r);
    json_t *keys = json_object_get(j, "issuer_keys");
    json_t *given = json_object_get(r->provider, "issuer_keys");
    json_t *merged = keys != NULL ? json_deep_copy(keys) : NULL;
    size_t i, k;
    json_t *g, *x;
    unsigned added = 0;
    if (merged == NULL) {
        json_decref(j);
        return cli_fail(CLI_ERROR, "out of memory");
    }
    json_array_foreach(given, i, g)
    {
        bool known = false;
        json_array_foreach(merged, k, x)
        {
            if (json_equal(json_object_get(x, "key"), json_object_get(g, "key"))) {
                known = true;
                if (!json_equal(x, g) && !c->json)
                    printf("provider %s: issuer key %s is registered (valid from %s): its "
                           "window is kept\n",
                           pid, json_string_value(json_object_get(x, "key")),
                           json_string_value(json_object_get(x, "valid_from")));
            }
        }
        if (!known) {
            if (json_array_size(merged) >= RN_ISSUER_KEYS_MAX) {
                json_decref(merged);
                json_decref(j);
                return cli_fail_rn(CLI_REFUSED, RN_ECOUNT, "provider.issuer_keys", -1,
                                   "provider %s: already %u issuer keys: no room for another", pid,
                                   (unsigned)RN_ISSUER_KEYS_MAX);
            }
            json_array_append(merged, g);
            added++;
        }
    }
    if (given == NULL && !c->json)
        printf("provider %s: keeping the %u issuer key(s) the node holds\n", pid,
               h->r->u.provider.issuer_keys_n);
    else if (given != NULL && added > 0 && !c->json)
        printf("provider %s: adding %u issuer key(s) to the %u the node holds\n", pid, added,
               h->r->u.provider.issuer_keys_n);
    json_object_set_new(r->provider, "issuer_keys", merged);
    json_decref(j);
    return CLI_OK;
}

/* The country of the node's authority (`status`), when a node is named and answers. Returns
 * CLI_OK with cc set, or CLI_NEGATIVE with `why` saying why it could not be asked (nothing
 * printed). */
static int node_country(cli *c, char cc[3], char *why, size_t why_len)
{
    rpc_resp r;
    mp_buf p;
    mp_cur v;
    const uint8_t *s;
    uint32_t n;
    memset(&r, 0, sizeof(r));
    if (c->socket == NULL && c->data_dir == NULL) {
        snprintf(why, why_len, "no node named (-d or -s)");
        return CLI_NEGATIVE;
    }
    const char *sock = cli_socket(c);
    if (sock == NULL) {
        snprintf(why, why_len, "no control socket");
        return CLI_NEGATIVE;
    }
    mp_buf_init(&p, 16);
    mp_put_array(&p, 0);
    int rc = rpc_call(sock, CTL_STATUS, p.data, p.len, &r, why, why_len);
    mp_buf_free(&p);
    if (rc == 0 && r.is_error)
        snprintf(why, why_len, "status: %s", rn_strerror(r.code));
    else if (rc == 0 && (!rpc_map_get(r.result, "country", &v) || mp_peek(&v) != MP_STR ||
                         mp_read_str(&v, &s, &n) < 0 || n != 2))
        snprintf(why, why_len, "the node names no country (a mirror publishes nothing)");
    else if (rc == 0) {
        memcpy(cc, s, 2);
        cc[2] = '\0';
        rpc_resp_free(&r);
        return CLI_OK;
    }
    rpc_resp_free(&r);
    return CLI_NEGATIVE;
}

/* A sealed file: verifies the seal and replaces *doc by its payload (imp_unseal). Returns
 * CLI_OK (not sealed, or sealed and accepted: `seal` then holds the checks), or an exit code with
 * the reason printed. */
static int unseal(cli *c, const cli_cmd *cmd, cli_args *a, const char *path, json_t **doc,
                  cred_report *seal, json_t **seal_json)
{
    const char *trust = cli_optval(cmd, a, "trust");
    const char *tl_path = cli_optval(cmd, a, "trust-list");
    const char *tl_signer = cli_optval(cmd, a, "trust-list-signer");
    bool force = cli_optset(cmd, a, "force");
    char why[IMP_WHY_BYTES];
    cred_trust tr;
    json_t *inner = NULL;
    struct timespec ts;
    int rc;
    cred_trust_init(&tr);
    cred_report_init(seal);
    if (trust != NULL && (rc = cred_trust_load_pem(&tr, trust, why, sizeof(why))) < 0) {
        rc = cli_fail(rc == RN_EIO ? CLI_ERROR : CLI_REFUSED, "--trust: %s", why);
        goto out;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    if ((tl_path != NULL) != (tl_signer != NULL)) {
        rc = cli_usage(cmd, "--trust-list and --trust-list-signer go together: a trusted list is "
                            "read only with its signer's certificate");
        goto out;
    }
    if (tl_path != NULL &&
        (rc = cred_trust_load_tl(&tr, tl_path, tl_signer, now, why, sizeof(why))) < 0) {
        rc = cli_fail(rc == RN_EIO ? CLI_ERROR : CLI_REFUSED, "--trust-list: %s", why);
        goto out;
    }
    rc = imp_unseal(*doc, trust != NULL || tl_path != NULL ? &tr : NULL, now, seal, &inner, why,
                    sizeof(why));
    if (rc < 0) {
        rc = cli_fail(rc == RN_ENOMEM ? CLI_ERROR : CLI_REFUSED,
                      "%s: shaped as a sealed credential (JWS JSON serialization), but not one "
                      "recnetctl reads: %s (%s)",
                      path, why, rn_err_name(rc));
        goto out;
    }
    if (inner == NULL) {
        if (trust != NULL || tl_path != NULL || force) {
            rc = cli_usage(cmd,
                           "%s: not a sealed credential: --trust, --trust-list and --force apply "
                           "to one",
                           path);
            goto out;
        }
        rc = CLI_OK;
        goto out;
    }
    const cred_check *bad;
    imp_seal_verdict v = imp_seal_verdict_of(seal, &bad);
    json_t *checks = json_array();
    for (size_t i = 0; i < seal->n; i++)
        json_array_append_new(checks, json_pack("{s:s,s:s,s:s}", "name", seal->checks[i].name,
                                                "result", cred_result_name(seal->checks[i].result),
                                                "reason", seal->checks[i].reason));
    *seal_json = json_pack("{s:s,s:s,s:o,s:b}", "form", seal->form, "sealed_by", seal->sealer,
                           "checks", checks, "forced", v == IMP_SEAL_FORCEABLE);
    if (v == IMP_SEAL_BROKEN || (v == IMP_SEAL_FORCEABLE && !force)) {
        rc = cli_fail_rn(
            CLI_REFUSED, RN_ESIG, "seal", -1, "%s: sealed by %s: %s: %s: not imported%s", path,
            seal->sealer[0] != '\0' ? seal->sealer : "an unreadable certificate",
            bad != NULL ? bad->name : "seal", bad != NULL ? bad->reason : "not checked",
            v == IMP_SEAL_FORCEABLE
                ? " (the seal verifies with the certificate's key: --force imports it)"
                : "");
        goto out;
    }
    if (!c->json) {
        printf("%s: %s, sealed by %s\n", path, seal->form, seal->sealer);
        for (size_t i = 0; i < seal->n; i++)
            printf("  %-12s %-12s %s\n", seal->checks[i].name,
                   cred_result_name(seal->checks[i].result), seal->checks[i].reason);
        if (v == IMP_SEAL_FORCEABLE)
            printf("  imported despite the failed %s check (--force)\n", bad->name);
    }
    json_decref(*doc);
    *doc = inner;
    inner = NULL;
    rc = CLI_OK;
out:
    json_decref(inner);
    cred_trust_free(&tr);
    return rc;
}

int cmd_spec_import(cli *c, const cli_cmd *cmd, cli_args *a)
{
    const char *path = a->pos[0];
    uint8_t *buf = NULL;
    size_t len;
    char why[IMP_WHY_BYTES], key[PROTO_KEY_TEXT_LEN + 1];
    json_error_t je;
    json_t *doc = NULL, *out = NULL, *seal_json = NULL;
    cred_report *seal = calloc(1, sizeof(*seal));
    imp_flags fl;
    imp_result *r = calloc(1, sizeof(*r));
    proto_record *prov = malloc(sizeof(*prov)), *spec = malloc(sizeof(*spec));
    rec_bytes *pb = malloc(sizeof(*pb)), *sb = malloc(sizeof(*sb));
    mp_buf pbody, sbody;
    rec_err e;
    bool dry = cli_optset(cmd, a, "dry-run"), replace = cli_optset(cmd, a, "replace");
    held hp, hs;
    int rc;
    memset(&hp, 0, sizeof(hp));
    memset(&hs, 0, sizeof(hs));
    mp_buf_init(&pbody, RN_RECORD_BYTES_MAX);
    mp_buf_init(&sbody, RN_RECORD_BYTES_MAX);
    if (r == NULL || prov == NULL || spec == NULL || pb == NULL || sb == NULL || seal == NULL) {
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
    if ((rc = unseal(c, cmd, a, path, &doc, seal, &seal_json)) != CLI_OK)
        goto out;
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
    /* What the node holds under the two ids (not in a dry run without a node). */
    char cc[3] = "", nowhy[256] = "";
    bool asked = !dry || node_country(c, cc, nowhy, sizeof(nowhy)) == CLI_OK;
    if (asked) {
        const char *pid = json_string_value(json_object_get(r->provider, "id"));
        const char *sid = json_string_value(json_object_get(r->spec, "id"));
        if ((rc = held_get(c, PROTO_KIND_PROVIDER, pid, &hp)) != CLI_OK ||
            (rc = held_get(c, PROTO_KIND_SPEC, sid, &hs)) != CLI_OK ||
            (rc = merge_keys(c, r, &hp)) != CLI_OK)
            goto out;
    }
    if (rec_from_json(prov, PROTO_KIND_PROVIDER, r->provider, pb, &e) < 0 ||
        rec_from_json(spec, PROTO_KIND_SPEC, r->spec, sb, &e) < 0) {
        char msg[REC_FIELD_BYTES + REC_DETAIL_BYTES + 64];
        rc = cli_fail_rn(CLI_REFUSED, e.code, e.field, (long)e.index - 1,
                         "%s: the imported record is not valid: %s (%s)", path,
                         rec_err_format(&e, msg, sizeof(msg)), rn_err_name(e.code));
        goto out;
    }
    if (proto_record_encode(prov, &pbody) < 0 || proto_record_encode(spec, &sbody) < 0) {
        rc = cli_fail(CLI_REFUSED, "%s: the imported records do not encode", path);
        goto out;
    }
    /* A dry run checks what the node would refuse: another country's prefix. */
    if (dry && asked) {
        rn_diag d;
        memset(&d, 0, sizeof(d));
        if (proto_record_check_author(prov, cc, &d) < 0 ||
            proto_record_check_author(spec, cc, &d) < 0) {
            rc = cli_fail_rn(CLI_REFUSED, RN_EPREFIX, d.field, -1,
                             "%s: %s: the node is %s's: the import would be refused (%s)", path,
                             d.field != NULL ? d.field : "id", cc, rn_err_name(RN_EPREFIX));
            goto out;
        }
    } else if (dry && !c->json) {
        printf("%s: the node could not be asked (%s): its country and the records it holds are "
               "not checked\n",
               path, nowhy);
    }
    /* A different record under the same id is not replaced without --replace. */
    if (asked) {
        char m1[768] = "", m2[768] = "";
        bool cp = conflicts(prov, &hp, m1, sizeof(m1));
        bool cs = conflicts(spec, &hs, m2, sizeof(m2));
        if ((cp || cs) && !replace) {
            if (cp && cs)
                fprintf(stderr, "recnetctl: %s\n", m2);
            rc = cli_fail_rn(CLI_REFUSED, RN_EINCONSISTENT, cp ? "provider" : "spec", -1,
                             "%s: refused (--replace replaces %s)", cp ? m1 : m2,
                             cp && cs ? "them" : "it");
            goto out;
        }
        if ((cp || cs) && !c->json) {
            if (cp)
                printf("replacing: %s\n", m1);
            if (cs)
                printf("replacing: %s\n", m2);
        }
    }

    out = json_object();
    json_object_set_new(out, "format", json_string(r->format == IMP_ELM ? "elm" : "obv3"));
    json_object_set_new(out, "file", json_string(path));
    json_object_set(out, "seal", seal_json != NULL ? seal_json : json_null());
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
        json_object_set_new(out, "node_country", asked ? json_string(cc) : json_null());
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
    if ((rc = publish_record(c, prov, &pbody, &hp, out)) != CLI_OK ||
        (rc = publish_record(c, spec, &sbody, &hs, out)) != CLI_OK)
        goto out;
    if (c->json)
        cli_json_print(out);
out:
    held_free(&hp);
    held_free(&hs);
    sodium_memzero(key, sizeof(key));
    json_decref(out);
    json_decref(doc);
    json_decref(seal_json);
    if (seal != NULL)
        cred_report_free(seal);
    free(seal);
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
