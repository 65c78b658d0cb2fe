/*
 * cmd_credential.c: issued credentials. `credential issue` signs an envelope (proto/credential.h)
 * offline with an awarding body's issuer key; `credential verify` checks a credential of any form
 * against a node; `credential check` checks one offline (cred/cred.h).
 *
 * Verification is api/verifier.h's, the gateway's too: this file parses the arguments, loads what
 * the verifier is given (the issuers' documents, trust anchors, a status list), asks the node
 * each question the verifier has over the control socket (record, search, verify), and prints
 * the answer: for people line by line, with --json the verifier's JSON as it is, the bytes
 * POST /v1/verify sends. The answer is positive (exit 0) only when the credential is valid and
 * recognised.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "cred/cred.h"
#include "cred/did.h"
#include "cred/key.h"
#include "cred/vcjwt.h"
#include "api/verifier.h"
#include "api/import.h"
#include "proto/codes.h"
#include "proto/credential.h"
#include "proto/key.h"
#include "proto/limits.h"
#include "api/recjson.h"
#include "rpc.h"
#include "conf/keyfile.h"

/* The largest file `credential verify` reads: a token, or an envelope (far smaller). */
#define CRED_VERIFY_FILE_BYTES_MAX CRED_FILE_BYTES_MAX

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Hex text into bytes: exactly 2 * n digits. */
static bool hex_parse(const char *s, uint8_t *out, size_t n)
{
    size_t bin_len;
    const char *end;
    return strlen(s) == 2 * n && sodium_hex2bin(out, n, s, 2 * n, NULL, &bin_len, &end) == 0 &&
           bin_len == n && end == s + 2 * n;
}

static const char *country_arg(const char *s)
{
    char up[3];
    if (strlen(s) != 2)
        return NULL;
    up[0] = (char)(s[0] >= 'a' && s[0] <= 'z' ? s[0] - 'a' + 'A' : s[0]);
    up[1] = (char)(s[1] >= 'a' && s[1] <= 'z' ? s[1] - 'a' + 'A' : s[1]);
    up[2] = '\0';
    const proto_country *c = proto_country_find(up, 2);
    return c != NULL ? c->alpha2 : NULL;
}

/* An issuer secret key file into its libsodium signing key. */
static int load_sk(const char *path, uint8_t sk[PROTO_SK_BYTES], uint8_t pk[PROTO_KEY_BYTES])
{
    uint8_t seed[PROTO_SEED_BYTES];
    int err = 0;
    rn_diag d;
    memset(&d, 0, sizeof(d));
    int rc = conf_keyfile_read(path, seed, pk, &err, &d);
    if (rc < 0) {
        char msg[128];
        return cli_fail(rc == RN_EIO ? CLI_ERROR : CLI_REFUSED, "%s: %s", path,
                        rc == RN_EIO && err != 0 ? strerror(err)
                                                 : rn_diag_format(&d, msg, sizeof(msg)));
    }
    proto_key_sk_derive(seed, sk, pk);
    sodium_memzero(seed, sizeof(seed));
    return CLI_OK;
}

/* ---- issue ---- */

/* Writes a new file `path` with data[0..len): created, never over an existing file (O_EXCL, as
 * keygen), nor through a symbolic link; removed again when it cannot be written whole. Returns
 * CLI_OK, or CLI_ERROR with the reason printed. */
static int write_new(const char *path, const uint8_t *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 && errno == EEXIST)
        return cli_fail_rn(CLI_ERROR, RN_EEXIST, NULL, -1,
                           "%s already exists: a credential is never overwritten (remove it or "
                           "give another -o FILE)",
                           path);
    if (fd < 0)
        return cli_fail(CLI_ERROR, "cannot create %s: %s", path, strerror(errno));
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    int err = off < len ? errno : 0;
    if (off == len && fsync(fd) != 0)
        err = errno;
    if (close(fd) != 0 && err == 0)
        err = errno;
    if (off < len || err != 0) {
        unlink(path);
        return cli_fail(CLI_ERROR, "cannot write %s: %s", path,
                        err != 0 ? strerror(err) : "short write");
    }
    return CLI_OK;
}

int cmd_credential_issue(cli *c, const cli_cmd *cmd, cli_args *a)
{
    const char *spec = cli_optval(cmd, a, "spec"), *keyfile = cli_optval(cmd, a, "issuer-key");
    const char *holder = cli_optval(cmd, a, "holder"), *salt_hex = cli_optval(cmd, a, "salt");
    const char *issued = cli_optval(cmd, a, "issued-at"), *grade = cli_optval(cmd, a, "grade");
    const char *outp = cli_optval(cmd, a, "output");
    uint8_t sk[PROTO_SK_BYTES], pk[PROTO_KEY_BYTES], salt[PROTO_HOLDER_SALT_BYTES_MAX];
    uint8_t href[PROTO_HOLDER_BYTES];
    size_t salt_len = 32;
    proto_credential cr;
    mp_buf env;
    int rc;
    mp_buf_init(&env, PROTO_CREDENTIAL_BYTES_MAX);
    memset(&cr, 0, sizeof(cr));
    if (spec == NULL || keyfile == NULL || holder == NULL || outp == NULL) {
        rc = cli_usage(cmd, "--spec, --issuer-key, --holder and -o are required");
        goto out;
    }
    if (proto_id_check((const uint8_t *)spec, strlen(spec)) < 0) {
        rc = cli_usage(cmd, "--spec %s: expected a spec id CC:reference", spec);
        goto out;
    }
    if (salt_hex != NULL) {
        salt_len = strlen(salt_hex) / 2;
        if (salt_len < PROTO_HOLDER_SALT_BYTES_MIN || salt_len > PROTO_HOLDER_SALT_BYTES_MAX ||
            !hex_parse(salt_hex, salt, salt_len)) {
            rc = cli_usage(cmd, "--salt: %u to %u bytes as hex digits", PROTO_HOLDER_SALT_BYTES_MIN,
                           PROTO_HOLDER_SALT_BYTES_MAX);
            goto out;
        }
    } else {
        randombytes_buf(salt, salt_len);
    }
    if (proto_credential_holder(salt, salt_len, (const uint8_t *)holder, strlen(holder), href) <
        0) {
        rc = cli_usage(cmd, "--holder: 1 to %u bytes", PROTO_HOLDER_ID_BYTES_MAX);
        goto out;
    }
    cr.issued_at_ms = now_ms();
    if (issued != NULL && rec_time_parse(issued, strlen(issued), &cr.issued_at_ms) < 0) {
        rc = cli_usage(cmd, "--issued-at: expected a date (2025-06-01), a datetime with its zone, "
                            "ms since the epoch or now");
        goto out;
    }
    if ((rc = load_sk(keyfile, sk, pk)) != CLI_OK)
        goto out;
    cr.spec = proto_str_c(spec);
    cr.holder = href;
    cr.grade = proto_str_c(grade);
    cr.issuer_key = pk;
    rc = proto_credential_sign(&cr, sk, &env);
    sodium_memzero(sk, sizeof(sk));
    if (rc < 0) {
        rc = cli_fail(CLI_REFUSED, "cannot sign: %s%s", rn_strerror(rc),
                      rc == RN_ELEN && grade != NULL ? " (--grade is 1 to 128 bytes)" : "");
        goto out;
    }
    if ((rc = write_new(outp, env.data, env.len)) != CLI_OK)
        goto out;
    char dh[2 * PROTO_DIGEST_BYTES + 1], hh[2 * PROTO_HOLDER_BYTES + 1];
    char sh[2 * PROTO_HOLDER_SALT_BYTES_MAX + 1], kt[PROTO_KEY_TEXT_LEN + 1], t[REC_TIME_BYTES];
    rec_hex(cr.digest, PROTO_DIGEST_BYTES, dh);
    rec_hex(href, PROTO_HOLDER_BYTES, hh);
    rec_hex(salt, salt_len, sh);
    proto_key_text_format(pk, kt);
    rec_time_format(cr.issued_at_ms, t);
    if (c->json) {
        json_t *o = json_object();
        json_object_set_new(o, "file", json_string(outp));
        json_object_set_new(o, "bytes", json_integer((json_int_t)env.len));
        json_object_set_new(o, "spec", json_string(spec));
        json_object_set_new(o, "issued_at", json_string(t));
        json_object_set_new(o, "issuer_key", json_string(kt));
        json_object_set_new(o, "holder", json_string(hh));
        json_object_set_new(o, "salt", json_string(sh));
        json_object_set_new(o, "credential", json_string(dh));
        if (grade != NULL)
            json_object_set_new(o, "grade", json_string(grade));
        cli_json_print(o);
        json_decref(o);
    } else {
        cli_kv(10, "written", "%s (%zu bytes)", outp, env.len);
        cli_kv(10, "spec", "%s", spec);
        cli_kv(10, "issued at", "%s", t);
        cli_kv(10, "issuer", "%s", kt);
        cli_kv(10, "holder", "%s (salted digest; no name in the credential)", hh);
        cli_kv(10, "salt", "%s (for the holder only: it is not in the credential)", sh);
        cli_kv(10, "digest", "%s (what a revocation names)", dh);
    }
    rc = CLI_OK;
out:
    sodium_memzero(sk, sizeof(sk));
    sodium_memzero(salt, sizeof(salt));
    mp_buf_free(&env);
    return rc;
}

/* ---- verify ---- */

/* The checks of a report, one line each, for people. */
static void print_checks(const cred_report *r)
{
    for (size_t i = 0; i < r->n; i++) {
        const cred_check *k = &r->checks[i];
        printf("  %-22s %-12s %s\n", k->name, cred_result_name(k->result), k->reason);
    }
    if (r->dropped > 0)
        printf("  (%zu more checks not listed)\n", r->dropped);
}

static json_t *checks_json(const cred_report *r)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(r->checks[i].name));
        json_object_set_new(o, "result", json_string(cred_result_name(r->checks[i].result)));
        json_object_set_new(o, "reason", json_string(r->checks[i].reason));
        json_array_append_new(a, o);
    }
    return a;
}

/* The names of the failed checks, "exp, iss", into out. */
static void failed_names(const cred_report *r, char *out, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < r->n; i++) {
        if (r->checks[i].result != CRED_FAIL)
            continue;
        int k = snprintf(out + used, n - used, "%s%s", used > 0 ? ", " : "", r->checks[i].name);
        if (k < 0 || (size_t)k >= n - used)
            break;
        used += (size_t)k;
    }
}

static const char *js(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : "-";
}

/* The local facts of an answer (api/verifier.h), for people. */
static void print_credential(json_t *cr)
{
    const int w = CLI_ANSWER_WIDTH;
    cli_kv(w, "credential", "%s", js(cr, "form"));
    cli_kv(w, "spec", "%s", js(cr, "spec"));
    cli_kv(w, "issued at", "%s", js(cr, "issued_at"));
    cli_kv(w, "issuer key", "%s", js(cr, "issuer_key"));
    cli_kv(w, "digest", "%s", js(cr, "credential"));
    if (json_is_string(json_object_get(cr, "grade")))
        cli_kv(w, "grade", "%s", js(cr, "grade"));
    if (json_is_string(json_object_get(cr, "sealed_by")))
        cli_kv(w, "sealed by", "%s", js(cr, "sealed_by"));
    bool sig = json_is_true(json_object_get(cr, "signature_ok"));
    const char *note = json_string_value(json_object_get(cr, "signature_note"));
    cli_kv(w, "signature", "%s%s%s", sig ? "valid" : "DOES NOT VERIFY", note != NULL ? ": " : "",
           note != NULL ? note : "");
    json_t *checks = json_object_get(cr, "checks"), *k;
    size_t i, failed = 0, nc = 0;
    json_array_foreach(checks, i, k)
    {
        failed += strcmp(js(k, "result"), "fail") == 0;
        nc += strcmp(js(k, "result"), "not checked") == 0;
    }
    if (json_is_array(checks)) {
        cli_kv(w, "checks", "%zu made offline, %zu failed, %zu not checked",
               json_array_size(checks), failed, nc);
        json_array_foreach(checks, i, k)
            printf("  %-22s %-12s %s\n", js(k, "name"), js(k, "result"), js(k, "reason"));
    }
}

/* The node's half of an answer, for people. */
static void print_node(json_t *ans, const char *cc, const char *purpose, const char *save)
{
    json_t *res = json_object_get(ans, "node"), *rec = json_object_get(res, "recognition");
    json_t *rv = json_object_get(res, "revocation"), *basis = json_object_get(rec, "basis");
    bool sig = json_is_true(json_object_get(json_object_get(ans, "credential"), "signature_ok"));
    bool valid = json_is_true(json_object_get(res, "valid"));
    bool ok = json_is_true(json_object_get(ans, "valid_and_recognised"));
    const int w = CLI_ANSWER_WIDTH;
    char issuer_says[512], spec_says[512];
    cli_issuer_says(res, issuer_says, sizeof(issuer_says));
    cli_spec_says(res, spec_says, sizeof(spec_says));
    cli_kv(w, "issuer", "%s", issuer_says);
    cli_kv(w, "spec", "%s", spec_says);
    if (json_is_object(rv))
        cli_kv(w, "revoked", "YES (entry %lld of %s, %s)",
               (long long)json_integer_value(json_object_get(rv, "seq")), js(rv, "author"),
               js(rv, "timestamp"));
    else
        cli_kv(w, "revoked", "no");
    if (json_is_object(basis))
        cli_kv(w, "recognition", "in %s for %s: %s, %s (%s)", cc, purpose, js(rec, "result"),
               js(rec, "outcome"), js(rec, "basis_id"));
    else
        cli_kv(w, "recognition", "in %s for %s: no decision", cc, purpose);
    cli_kv(w, "as of", "%s", js(res, "at"));
    cli_print_recognition(rec, w);
    if (save != NULL)
        cli_kv(w, "proof", "saved to %s; check it with recnetctl proof verify %s --roster ROSTER",
               save, save);
    char why[1280] = "";
    if (!sig) {
        snprintf(why, sizeof(why), ": the signature does not verify");
    } else if (!valid) {
        /* Each failed check, in the order above, with its reason. */
        const struct {
            const char *key;
            bool want;
            const char *says;
        } checks[] = { { "issuer_ok", true, issuer_says },
                       { "spec_ok", true, spec_says },
                       { "revoked", false, "revoked" } };
        size_t used = 0;
        for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
            if (json_is_true(json_object_get(res, checks[i].key)) == checks[i].want)
                continue;
            int k = snprintf(why + used, sizeof(why) - used, "%s%s%s", used == 0 ? ": " : "; ",
                             i == 1 ? "the spec was " : "", checks[i].says);
            if (k > 0 && (size_t)k < sizeof(why) - used)
                used += (size_t)k;
        }
    }
    cli_kv(w, "answer", "%s%s",
           ok               ? "VALID and RECOGNISED"
           : !valid || !sig ? "NOT VALID"
                            : "valid, but NOT RECOGNISED there for that purpose",
           why);
}

/* What verify is given besides the file: the issuer's documents, trust anchors, a status list. */
typedef struct verify_inputs {
    cred_docs docs;
    cred_trust trust;
    json_t *status_list;
} verify_inputs;

static int verify_inputs_load(const cli_cmd *cmd, cli_args *a, verify_inputs *in,
                              api_verifier_opts *o)
{
    const char *docs_dir = cli_optval(cmd, a, "issuer-docs");
    const char *status = cli_optval(cmd, a, "status-list"), *trust = cli_optval(cmd, a, "trust");
    char why[512];
    int rc;
    if (docs_dir != NULL) {
        if ((rc = cred_docs_load_dir(&in->docs, docs_dir, why, sizeof(why))) < 0)
            return cli_fail(rc == RN_EIO ? CLI_ERROR : CLI_REFUSED, "--issuer-docs: %s", why);
        o->docs = &in->docs;
    }
    if (trust != NULL) {
        if ((rc = cred_trust_load_pem(&in->trust, trust, why, sizeof(why))) < 0)
            return cli_fail(rc == RN_EIO ? CLI_ERROR : CLI_REFUSED, "--trust: %s", why);
        o->trust = &in->trust;
    }
    const char *tl_path = cli_optval(cmd, a, "trust-list");
    const char *tl_signer = cli_optval(cmd, a, "trust-list-signer");
    if ((tl_path != NULL) != (tl_signer != NULL))
        return cli_usage(cmd, "--trust-list and --trust-list-signer go together: a trusted list "
                              "is read only with its signer's certificate");
    if (tl_path != NULL) {
        /* The list must be current at the time the checks are made (--at, or now). */
        if ((rc = cred_trust_load_tl(&in->trust, tl_path, tl_signer, o->now_ms, why, sizeof(why))) <
            0)
            return cli_fail(rc == RN_EIO ? CLI_ERROR : CLI_REFUSED, "--trust-list: %s", why);
        o->trust = &in->trust;
    }
    if (status != NULL) {
        json_error_t je;
        in->status_list = json_load_file(status, JSON_REJECT_DUPLICATES, &je);
        if (!json_is_object(in->status_list))
            return cli_fail(CLI_REFUSED, "--status-list %s:%d:%d: %s", status, je.line, je.column,
                            in->status_list == NULL ? je.text : "not a JSON object");
        o->status_list = in->status_list;
    }
    return CLI_OK;
}

/* The verifier's questions, each asked of the node over the control socket. */
static int verify_drive(cli *c, api_verifier *v)
{
    const char *sock = NULL;
    ctl_method_id m;
    const uint8_t *params;
    size_t params_len;
    /* The node is named only when the verifier has a question: a credential refused by its own
     * checks is answered without one. */
    while (api_verifier_next(v, &m, &params, &params_len) == API_VERIFIER_NEED) {
        char why[512];
        rpc_resp r;
        if (sock == NULL && (sock = cli_socket(c)) == NULL)
            return CLI_USAGE;
        memset(&r, 0, sizeof(r));
        int rc = rpc_call(sock, ctl_method_get(m)->name, params, params_len, &r, why, sizeof(why));
        if (rc == RN_EIO) {
            rpc_resp_free(&r);
            return cli_fail_rn(CLI_UNREACHABLE, RN_EIO, NULL, -1, "%s", why);
        }
        api_verifier_feed(v, rc == 0 ? r.buf : NULL, rc == 0 ? r.len : 0);
        rpc_resp_free(&r);
    }
    return CLI_OK;
}

int cmd_credential_verify(cli *c, const cli_cmd *cmd, cli_args *a)
{
    const char *cc = country_arg(a->pos[1]), *purpose = a->pos[2];
    const char *at_s = cli_optval(cmd, a, "at"), *save = cli_optval(cmd, a, "proof");
    const char *given = cli_optval(cmd, a, "issuer-key");
    uint8_t *buf = NULL;
    size_t len;
    char why[512];
    api_verifier_opts o;
    verify_inputs in;
    api_verifier *v = NULL;
    int rc;
    memset(&o, 0, sizeof(o));
    memset(&in, 0, sizeof(in));
    cred_docs_init(&in.docs);
    cred_trust_init(&in.trust);
    if (cc == NULL) {
        rc = cli_usage(cmd, "%s: not one of the 30 country codes", a->pos[1]);
        goto out;
    }
    if (proto_enum_value_parse(PROTO_ENUM_PURPOSE, purpose) < 0) {
        rc = cli_usage(cmd, "%s: the purpose is further_study, employment or both", purpose);
        goto out;
    }
    o.country = cc;
    o.purpose = purpose;
    o.now_ms = now_ms();
    o.spec = cli_optval(cmd, a, "spec");
    if (at_s != NULL) {
        if (rec_time_parse(at_s, strlen(at_s), &o.at_ms) < 0) {
            rc = cli_usage(cmd, "--at: expected a date or a datetime with its zone");
            goto out;
        }
        o.at_set = true;
        o.now_ms = o.at_ms;
    }
    if (o.spec != NULL && proto_id_check((const uint8_t *)o.spec, strlen(o.spec)) < 0) {
        rc = cli_usage(cmd, "--spec %s: expected a spec id CC:reference", o.spec);
        goto out;
    }
    if (given != NULL) {
        if (strncmp(given, PROTO_KEY_TEXT_PREFIX, PROTO_KEY_TEXT_PREFIX_LEN) == 0) {
            if (proto_key_text_parse(given, strlen(given), o.issuer_key) < 0) {
                rc = cli_usage(cmd, "--issuer-key %s: not a key rn1:...", given);
                goto out;
            }
        } else {
            uint8_t sk[PROTO_SK_BYTES];
            rc = load_sk(given, sk, o.issuer_key);
            sodium_memzero(sk, sizeof(sk));
            if (rc != CLI_OK)
                goto out;
        }
        o.issuer_key_set = true;
    }
    if ((rc = verify_inputs_load(cmd, a, &in, &o)) != CLI_OK)
        goto out;
    rc = cli_read_file(a->pos[0], CRED_VERIFY_FILE_BYTES_MAX, &buf, &len, why, sizeof(why));
    if (rc < 0) {
        rc = cli_fail(rc == RN_ETOOBIG ? CLI_REFUSED : CLI_ERROR, "%s", why);
        goto out;
    }
    v = api_verifier_new();
    if (v == NULL || api_verifier_start(v, buf, len, &o) != 0) {
        rc = cli_fail(CLI_ERROR, "out of memory");
        goto out;
    }
    if ((rc = verify_drive(c, v)) != CLI_OK)
        goto out;
    api_verify_outcome oc = api_verifier_outcome(v);
    json_t *ans = api_verifier_answer(v);
    const char *field, *msg;
    int code = api_verifier_error(v, &field, &msg);
    size_t proof_len;
    const uint8_t *proof = api_verifier_proof(v, &proof_len);
    if (save != NULL && proof != NULL) {
        FILE *f = fopen(save, "wb");
        if (f == NULL || fwrite(proof, 1, proof_len, f) != proof_len || fclose(f) != 0) {
            rc = cli_fail(CLI_ERROR, "cannot write %s", save);
            goto out;
        }
    }
    rc = oc == API_VERIFY_VALID      ? CLI_OK
         : oc == API_VERIFY_NEGATIVE ? CLI_NEGATIVE
         : oc == API_VERIFY_REFUSED  ? CLI_REFUSED
                                     : CLI_ERROR;
    if (oc == API_VERIFY_REFUSED && code == RN_EMISSING && strcmp(field, "spec") == 0) {
        rc = cli_usage(cmd, "%s: %s (--spec ID)", a->pos[0], msg);
        goto out;
    }
    if (ans == NULL) {
        rc = cli_fail_rn(rc, code, field[0] != '\0' ? field : NULL, -1, "%s: %s", a->pos[0], msg);
        goto out;
    }
    if (c->json) {
        json_t *copy = json_deep_copy(ans);
        if (copy != NULL && save != NULL && proof != NULL)
            json_object_set_new(copy, "proof", json_string(save));
        cli_json_print(copy);
        json_decref(copy);
    } else {
        print_credential(json_object_get(ans, "credential"));
        if (json_is_true(json_object_get(ans, "node_asked")))
            print_node(ans, cc, purpose, proof != NULL ? save : NULL);
        else
            cli_kv(CLI_ANSWER_WIDTH, "answer", "%s%s", js(ans, "reason"),
                   oc == API_VERIFY_REFUSED ? " (the node was not asked)" : "");
    }
out:
    api_verifier_free(v);
    free(buf);
    json_decref(in.status_list);
    cred_trust_free(&in.trust);
    cred_docs_free(&in.docs);
    return rc;
}

/* ---- check ---- */

int cmd_credential_check(cli *c, const cli_cmd *cmd, cli_args *a)
{
    const char *docs_dir = cli_optval(cmd, a, "issuer-docs");
    const char *status = cli_optval(cmd, a, "status-list"), *trust = cli_optval(cmd, a, "trust");
    const char *given = cli_optval(cmd, a, "issuer-key"), *at = cli_optval(cmd, a, "at");
    const char *tl_path = cli_optval(cmd, a, "trust-list");
    const char *tl_signer = cli_optval(cmd, a, "trust-list-signer");
    uint8_t *buf = NULL;
    size_t len;
    char why[512];
    cred_docs docs;
    cred_trust tr;
    cred_report rep;
    cred_opts o;
    cred_key key;
    json_t *list = NULL;
    int rc;
    cred_docs_init(&docs);
    cred_trust_init(&tr);
    cred_report_init(&rep);
    memset(&o, 0, sizeof(o));
    memset(&key, 0, sizeof(key));
    o.now_ms = now_ms();
    if (at != NULL && rec_time_parse(at, strlen(at), &o.now_ms) < 0) {
        rc = cli_usage(cmd, "--at: expected a date or a datetime with its zone");
        goto out;
    }
    if (given != NULL) {
        uint8_t pk[PROTO_KEY_BYTES];
        if (strncmp(given, PROTO_KEY_TEXT_PREFIX, PROTO_KEY_TEXT_PREFIX_LEN) == 0) {
            if (proto_key_text_parse(given, strlen(given), pk) < 0) {
                rc = cli_usage(cmd, "--issuer-key %s: not a key rn1:...", given);
                goto out;
            }
        } else {
            uint8_t sk[PROTO_SK_BYTES];
            rc = load_sk(given, sk, pk);
            sodium_memzero(sk, sizeof(sk));
            if (rc != CLI_OK)
                goto out;
        }
        cred_key_ed25519(&key, pk);
        o.keys = &key;
        o.keys_n = 1;
    }
    if (docs_dir != NULL) {
        rc = cred_docs_load_dir(&docs, docs_dir, why, sizeof(why));
        if (rc < 0) {
            rc = cli_fail(rc == RN_EIO ? CLI_ERROR : CLI_REFUSED, "--issuer-docs: %s", why);
            goto out;
        }
        o.docs = &docs;
    }
    if (status != NULL) {
        json_error_t je;
        list = json_load_file(status, JSON_REJECT_DUPLICATES, &je);
        if (!json_is_object(list)) {
            rc = cli_fail(CLI_REFUSED, "--status-list %s:%d:%d: %s", status, je.line, je.column,
                          list == NULL ? je.text : "not a JSON object");
            goto out;
        }
        o.status_list = list;
    }
    if (trust != NULL) {
        if ((rc = cred_trust_load_pem(&tr, trust, why, sizeof(why))) < 0) {
            rc = cli_fail(rc == RN_EIO ? CLI_ERROR : CLI_REFUSED, "--trust: %s", why);
            goto out;
        }
        o.trust = &tr;
    }
    if ((tl_path != NULL) != (tl_signer != NULL)) {
        rc = cli_usage(cmd, "--trust-list and --trust-list-signer go together: a trusted list is "
                            "read only with its signer's certificate");
        goto out;
    }
    if (tl_path != NULL) {
        /* The list must be current at the time the checks are made (--at, or now). */
        if ((rc = cred_trust_load_tl(&tr, tl_path, tl_signer, o.now_ms, why, sizeof(why))) < 0) {
            rc = cli_fail(rc == RN_EIO ? CLI_ERROR : CLI_REFUSED, "--trust-list: %s", why);
            goto out;
        }
        o.trust = &tr;
    }
    rc = cli_read_file(a->pos[0], CRED_FILE_BYTES_MAX, &buf, &len, why, sizeof(why));
    if (rc < 0) {
        rc = cli_fail(rc == RN_ETOOBIG ? CLI_REFUSED : CLI_ERROR, "%s", why);
        goto out;
    }
    rc = cred_check_buf(buf, len, &o, &rep, why, sizeof(why));
    if (rc < 0) {
        rc = cli_fail_rn(rc == RN_ENOMEM ? CLI_ERROR : CLI_REFUSED, rc, NULL, -1,
                         "%s: not a credential recnetctl reads: %s", a->pos[0], why);
        goto out;
    }
    if (trust != NULL && cred_report_find(&rep, "chain") == NULL)
        cred_report_add(&rep, "trust", CRED_NOT_CHECKED,
                        "%zu trust anchor(s) in %s: this credential carries no certificate chain",
                        tr.n, trust);
    if (tl_path != NULL && cred_report_find(&rep, "chain") == NULL)
        cred_report_add(&rep, "trust list", CRED_NOT_CHECKED,
                        "%zu service(s) in %s: this credential carries no certificate chain",
                        tr.tl_n, tl_path);
    if (c->json) {
        json_t *j = json_object();
        json_object_set_new(j, "file", json_string(a->pos[0]));
        json_object_set_new(j, "form", json_string(rep.form));
        if (rep.sealer[0] != '\0')
            json_object_set_new(j, "sealed_by", json_string(rep.sealer));
        json_object_set_new(j, "valid", json_boolean(rep.failed == 0));
        json_object_set_new(j, "failed", json_integer((json_int_t)rep.failed));
        json_object_set_new(j, "not_checked", json_integer((json_int_t)rep.not_checked));
        json_object_set_new(j, "checks", checks_json(&rep));
        cli_json_print(j);
        json_decref(j);
    } else {
        char names[256];
        failed_names(&rep, names, sizeof(names));
        cli_kv(CLI_ANSWER_WIDTH, "credential", "%s", rep.form);
        if (rep.sealer[0] != '\0')
            cli_kv(CLI_ANSWER_WIDTH, "sealed by", "%s", rep.sealer);
        print_checks(&rep);
        if (rep.failed > 0)
            cli_kv(CLI_ANSWER_WIDTH, "answer", "NOT VALID: %zu check(s) failed: %s", rep.failed,
                   names);
        else
            cli_kv(CLI_ANSWER_WIDTH, "answer", "every check that could be made passed%s",
                   rep.not_checked > 0 ? " (see what was not checked, and why)" : "");
    }
    rc = rep.failed > 0 ? CLI_NEGATIVE : CLI_OK;
out:
    free(buf);
    json_decref(list);
    cred_key_free(&key);
    cred_report_free(&rep);
    cred_trust_free(&tr);
    cred_docs_free(&docs);
    return rc;
}
