/*
 * cmd_credential.c: issued credentials. `credential issue` signs an envelope (proto/credential.h)
 * offline with an awarding body's issuer key; `credential verify` checks one against a node: the
 * envelope, or an Open Badges 3.0 credential in VC-JWT form signed with EdDSA (vcjwt.h).
 *
 * Verification has two halves. Locally: the credential decodes and its signature verifies against
 * its issuer key (the envelope names it; for a VC-JWT it is the key given, or one of the issuer
 * keys the provider's record lists, read through the node's `record` method). At the node: the
 * `verify` query with the claim {spec, issuer_key, issued_at, credential digest}, which says
 * whether that key was the provider's and the provider active at the issue date, whether the spec
 * was valid then, whether the credential is revoked, and how the country recognises the spec for
 * the purpose, with a proof bundle. The answer is positive (exit 0) only when every part is.
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
#include "import.h"
#include "proto/codes.h"
#include "proto/credential.h"
#include "proto/key.h"
#include "proto/limits.h"
#include "recjson.h"
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

/* What the local half established about a credential. */
typedef struct claim {
    const char *form; /* "recnet envelope v1", "Open Badges 3.0 VC-JWT (EdDSA)" */
    char spec[RN_ID_BYTES_MAX + 1];
    uint8_t issuer_key[PROTO_KEY_BYTES];
    bool key_is_id; /* issuer_key is the id of a JWK or DID key (PROTOCOL.md 3.4) */
    uint64_t issued_at_ms;
    uint8_t digest[PROTO_DIGEST_BYTES];
    char grade[PROTO_CREDENTIAL_GRADE_BYTES_MAX + 1];
    bool sig_ok;               /* the signature verifies against issuer_key */
    char sig_note[256];        /* why not, or which key */
    const cred_report *checks; /* a VC-JWT's local checks, or NULL */
} claim;

static const char *js(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : "-";
}

/* The local half's facts as JSON. */
static json_t *claim_json(const claim *cl)
{
    char hex[2 * PROTO_DIGEST_BYTES + 1], kt[PROTO_KEY_TEXT_LEN + 1], t[REC_TIME_BYTES];
    json_t *o = json_object();
    rec_hex(cl->digest, PROTO_DIGEST_BYTES, hex);
    proto_key_text_format(cl->issuer_key, kt);
    rec_time_format(cl->issued_at_ms, t);
    json_object_set_new(o, "form", json_string(cl->form));
    json_object_set_new(o, "spec", json_string(cl->spec));
    json_object_set_new(o, "issued_at", json_string(t));
    json_object_set_new(o, "issuer_key", json_string(kt));
    json_object_set_new(o, "credential", json_string(hex));
    if (cl->grade[0] != '\0')
        json_object_set_new(o, "grade", json_string(cl->grade));
    json_object_set_new(o, "signature_ok", json_boolean(cl->sig_ok));
    if (cl->sig_note[0] != '\0')
        json_object_set_new(o, "signature_note", json_string(cl->sig_note));
    if (cl->checks != NULL)
        json_object_set_new(o, "checks", checks_json(cl->checks));
    return o;
}

static void print_claim(const claim *cl)
{
    json_t *o = claim_json(cl);
    cli_kv(CLI_ANSWER_WIDTH, "credential", "%s", cl->form);
    cli_kv(CLI_ANSWER_WIDTH, "spec", "%s", cl->spec);
    cli_kv(CLI_ANSWER_WIDTH, "issued at", "%s", js(o, "issued_at"));
    cli_kv(CLI_ANSWER_WIDTH, "issuer key", "%s", js(o, "issuer_key"));
    cli_kv(CLI_ANSWER_WIDTH, "digest", "%s", js(o, "credential"));
    if (cl->grade[0] != '\0')
        cli_kv(CLI_ANSWER_WIDTH, "grade", "%s", cl->grade);
    cli_kv(CLI_ANSWER_WIDTH, "signature", "%s%s%s", cl->sig_ok ? "valid" : "DOES NOT VERIFY",
           cl->sig_note[0] != '\0' ? ": " : "", cl->sig_note);
    if (cl->checks != NULL) {
        cli_kv(CLI_ANSWER_WIDTH, "checks", "%zu made offline, %zu failed, %zu not checked",
               cl->checks->n, cl->checks->failed, cl->checks->not_checked);
        print_checks(cl->checks);
    }
    json_decref(o);
}

/* The node half: the verify query, its answer printed, the proof saved. */
static int ask_node(cli *c, const cli_cmd *cmd, cli_args *a, const claim *cl)
{
    const char *cc = country_arg(a->pos[1]), *purpose = a->pos[2];
    const char *at_s = cli_optval(cmd, a, "at"), *save = cli_optval(cmd, a, "proof");
    uint64_t at = 0;
    mp_buf p;
    rpc_resp raw;
    json_t *res = NULL;
    int rc;
    memset(&raw, 0, sizeof(raw));
    mp_buf_init(&p, 1024);
    if (at_s != NULL && rec_time_parse(at_s, strlen(at_s), &at) < 0) {
        rc = cli_usage(cmd, "--at: expected a date or a datetime with its zone");
        goto out;
    }
    mp_put_array(&p, 4);
    mp_put_map(&p, 4);
    mp_put_cstr(&p, "spec");
    mp_put_cstr(&p, cl->spec);
    mp_put_cstr(&p, cl->key_is_id ? "issuer_key_id" : "issuer_key");
    mp_put_bin(&p, cl->issuer_key, PROTO_KEY_BYTES);
    mp_put_cstr(&p, "issued_at");
    mp_put_uint(&p, cl->issued_at_ms);
    mp_put_cstr(&p, "credential");
    mp_put_bin(&p, cl->digest, PROTO_DIGEST_BYTES);
    mp_put_cstr(&p, cc);
    mp_put_cstr(&p, purpose);
    if (at_s != NULL)
        mp_put_uint(&p, at);
    else
        mp_put_nil(&p);
    rc = cli_call(c, CTL_VERIFY, &p, &raw);
    if (rc != CLI_OK) {
        if (rc == CLI_NEGATIVE && !c->json)
            print_claim(cl);
        goto out;
    }
    res = rpc_to_json(raw.result);
    if (res == NULL) {
        rc = cli_fail(CLI_ERROR, "verify: malformed result");
        goto out;
    }
    mp_cur v;
    const uint8_t *b;
    uint32_t n;
    if (rpc_map_get(raw.result, "proof", &v) && mp_read_bin(&v, &b, &n) == 0) {
        if (save != NULL) {
            FILE *f = fopen(save, "wb");
            if (f == NULL || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
                rc = cli_fail(CLI_ERROR, "cannot write %s", save);
                goto out;
            }
        }
        json_object_set_new(res, "proof_bytes", json_integer(n));
    }
    json_object_del(res, "proof");
    json_t *rec = json_object_get(res, "recognition");
    bool valid = json_is_true(json_object_get(res, "valid"));
    bool ok = cl->sig_ok && valid && cli_recognition_recognises(rec);
    if (c->json) {
        json_t *o = json_object();
        json_object_set_new(o, "valid_and_recognised", json_boolean(ok));
        json_object_set_new(o, "credential", claim_json(cl));
        json_object_set(o, "node", res);
        if (save != NULL)
            json_object_set_new(o, "proof", json_string(save));
        cli_json_print(o);
        json_decref(o);
    } else {
        json_t *rv = json_object_get(res, "revocation"), *basis = json_object_get(rec, "basis");
        const int w = CLI_ANSWER_WIDTH;
        char issuer_says[512], spec_says[512];
        cli_issuer_says(res, issuer_says, sizeof(issuer_says));
        cli_spec_says(res, spec_says, sizeof(spec_says));
        print_claim(cl);
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
            cli_kv(w, "proof",
                   "saved to %s; check it with recnetctl proof verify %s --roster "
                   "ROSTER",
                   save, save);
        char why[1280] = "";
        if (!cl->sig_ok)
            snprintf(why, sizeof(why), ": the signature does not verify");
        else if (!valid) {
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
               ok                      ? "VALID and RECOGNISED"
               : !valid || !cl->sig_ok ? "NOT VALID"
                                       : "valid, but NOT RECOGNISED there for that purpose",
               why);
    }
    rc = ok ? CLI_OK : CLI_NEGATIVE;
out:
    json_decref(res);
    rpc_resp_free(&raw);
    mp_buf_free(&p);
    return rc;
}

static int claim_of_envelope(const cli_cmd *cmd, cli_args *a, const uint8_t *buf, size_t len,
                             claim *cl)
{
    proto_credential cr;
    rn_diag d;
    char msg[128];
    memset(&d, 0, sizeof(d));
    int rc = proto_credential_decode(&cr, buf, len, &d);
    if (rc < 0)
        return cli_fail(CLI_REFUSED, "%s: not a valid credential envelope: %s", a->pos[0],
                        rn_diag_format(&d, msg, sizeof(msg)));
    cl->form = "recnet credential envelope v1";
    snprintf(cl->spec, sizeof(cl->spec), "%.*s", (int)cr.spec.len, (const char *)cr.spec.ptr);
    memcpy(cl->issuer_key, cr.issuer_key, PROTO_KEY_BYTES);
    memcpy(cl->digest, cr.digest, PROTO_DIGEST_BYTES);
    cl->issued_at_ms = cr.issued_at_ms;
    snprintf(cl->grade, sizeof(cl->grade), "%.*s", (int)cr.grade.len, (const char *)cr.grade.ptr);
    cl->sig_ok = proto_credential_verify(&cr) == 0;
    if (!cl->sig_ok)
        snprintf(cl->sig_note, sizeof(cl->sig_note),
                 "the envelope was altered, or not signed by the key it names");
    const char *spec = cli_optval(cmd, a, "spec");
    if (spec != NULL && strcmp(spec, cl->spec) != 0)
        return cli_usage(cmd, "--spec %s: the envelope names its own spec, %s", spec, cl->spec);
    if (cli_optval(cmd, a, "issuer-key") != NULL)
        return cli_usage(cmd, "--issuer-key: the envelope names its own issuer key");
    return CLI_OK;
}

/* The issue date of a badge: awardedDate, else validFrom (Data Model 2.0), else issuanceDate
 * (1.1), else the JWT's nbf (seconds). */
static int badge_issued_at(const cred_vcjwt *j, uint64_t *ms)
{
    static const char *const dates[] = { "awardedDate", "validFrom", "issuanceDate" };
    for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
        json_t *v = json_object_get(j->vc, dates[i]);
        if (json_is_string(v))
            return rec_time_parse(json_string_value(v), json_string_length(v), ms);
    }
    json_t *nbf = json_object_get(j->payload, "nbf");
    if (json_is_integer(nbf) && json_integer_value(nbf) >= 0 &&
        (uint64_t)json_integer_value(nbf) <= RN_TIME_MS_MAX / 1000u) {
        *ms = (uint64_t)json_integer_value(nbf) * 1000u;
        return 0;
    }
    return RN_ETIME;
}

/* The issuer keys to try: the key given (rn1:... or a key file), or else each issuer key of the
 * spec's provider as the node holds it now and held it at the issue date. *pid names the
 * provider (empty for a key given). */
/* The verifying key of an issuer key of a later form: a JWK, or a did:key or did:jwk resolved
 * locally; a did:web needs its document, which a node does not hold. Returns 0 or an RN_E code. */
static int ext_key(const proto_issuer_key_ext *k, cred_key *out)
{
    char why[256];
    int rc;
    if (k->form == PROTO_KEY_FORM_JWK) {
        json_error_t je;
        json_t *j = json_loadb((const char *)k->key.ptr, k->key.len, 0, &je);
        if (j == NULL)
            return RN_EKEY;
        rc = cred_key_from_jwk(j, out, why, sizeof(why));
        json_decref(j);
        return rc;
    }
    char *s = strndup((const char *)k->key.ptr, k->key.len);
    cred_resolved res;
    if (s == NULL)
        return RN_ENOMEM;
    rc = cred_resolve(NULL, s, &res, why, sizeof(why));
    free(s);
    if (rc < 0)
        return rc;
    *out = res.key; /* ownership moves to *out */
    memset(&res.key, 0, sizeof(res.key));
    cred_resolved_free(&res);
    return 0;
}

static int badge_keys(cli *c, const cli_cmd *cmd, cli_args *a, const claim *cl,
                      uint8_t keys[][PROTO_KEY_BYTES], bool *is_id, cred_key *ck, size_t *keys_n,
                      char *pid, size_t pid_len)
{
    const char *given = cli_optval(cmd, a, "issuer-key");
    int rc;
    *keys_n = 0;
    pid[0] = '\0';
    if (given != NULL) {
        if (strncmp(given, PROTO_KEY_TEXT_PREFIX, PROTO_KEY_TEXT_PREFIX_LEN) == 0) {
            if (proto_key_text_parse(given, strlen(given), keys[0]) < 0)
                return cli_usage(cmd, "--issuer-key %s: not a key rn1:...", given);
        } else {
            uint8_t sk[PROTO_SK_BYTES];
            rc = load_sk(given, sk, keys[0]);
            sodium_memzero(sk, sizeof(sk));
            if (rc != CLI_OK)
                return rc;
        }
        *keys_n = 1;
        is_id[0] = false;
        cred_key_ed25519(&ck[0], keys[0]);
        return CLI_OK;
    }
    /* The spec names its provider; the provider lists its issuer keys. */
    proto_record *rec = malloc(sizeof(*rec));
    uint8_t *buf = NULL;
    proto_entry e;
    if (rec == NULL)
        return cli_fail(CLI_ERROR, "out of memory");
    rc = cli_record_get(c, PROTO_KIND_SPEC, cl->spec, UINT64_MAX, &buf, &e, rec);
    if (rc != CLI_OK) {
        free(rec);
        return rc == CLI_NEGATIVE
                   ? cli_fail(CLI_NEGATIVE, "%s: the node holds no such spec", cl->spec)
                   : rc;
    }
    snprintf(pid, pid_len, "%.*s", (int)rec->u.spec.provider.len,
             (const char *)rec->u.spec.provider.ptr);
    free(buf);
    const uint64_t when[2] = { UINT64_MAX, cl->issued_at_ms };
    for (int w = 0; w < 2; w++) {
        rc = cli_record_get(c, PROTO_KIND_PROVIDER, pid, when[w], &buf, &e, rec);
        if (rc == CLI_NEGATIVE)
            continue;
        if (rc != CLI_OK) {
            free(rec);
            return rc;
        }
        for (uint32_t k = 0; k < rec->u.provider.issuer_keys_n; k++) {
            const uint8_t *key = rec->u.provider.issuer_keys[k].key;
            bool seen = false;
            for (size_t m = 0; m < *keys_n; m++)
                seen = seen || memcmp(keys[m], key, PROTO_KEY_BYTES) == 0;
            if (!seen && *keys_n < CRED_KEYS_MAX) {
                memcpy(keys[*keys_n], key, PROTO_KEY_BYTES);
                is_id[*keys_n] = false;
                cred_key_ed25519(&ck[(*keys_n)++], key);
            }
        }
        /* Keys of the later forms (JWK, DID), by their ids. */
        for (uint32_t k = 0; k < rec->u.provider.issuer_keys_ext_n; k++) {
            uint8_t id[PROTO_DIGEST_BYTES];
            bool seen = false;
            proto_issuer_key_ext_id(&rec->u.provider.issuer_keys_ext[k], id);
            for (size_t m = 0; m < *keys_n; m++)
                seen = seen || (is_id[m] && memcmp(keys[m], id, PROTO_KEY_BYTES) == 0);
            if (seen || *keys_n >= CRED_KEYS_MAX)
                continue;
            memset(&ck[*keys_n], 0, sizeof(ck[0]));
            if (ext_key(&rec->u.provider.issuer_keys_ext[k], &ck[*keys_n]) < 0)
                continue; /* a did:web, or a key no verifier can use: it verifies nothing */
            memcpy(keys[*keys_n], id, PROTO_KEY_BYTES);
            is_id[(*keys_n)++] = true;
        }
        free(buf);
        buf = NULL;
    }
    free(rec);
    return CLI_OK;
}

/* The local half of a VC-JWT: the checks of `credential check` with the issuer keys as the
 * caller's keys, the signature's key, and every other failed check named. */
static int badge_checks(cli *c, const cli_cmd *cmd, cli_args *a, const uint8_t *file,
                        size_t file_len, claim *cl, cred_report *rep)
{
    uint8_t keys[CRED_KEYS_MAX][PROTO_KEY_BYTES];
    bool is_id[CRED_KEYS_MAX];
    cred_key ck[CRED_KEYS_MAX];
    size_t keys_n = 0;
    char pid[RN_ID_BYTES_MAX + 1], why[512];
    int rc = badge_keys(c, cmd, a, cl, keys, is_id, ck, &keys_n, pid, sizeof(pid));
    if (rc != CLI_OK) {
        for (size_t i = 0; i < keys_n; i++)
            cred_key_free(&ck[i]);
        return rc;
    }
    cred_opts o;
    memset(&o, 0, sizeof(o));
    o.keys = ck;
    o.keys_n = keys_n;
    o.now_ms = now_ms();
    rc = cred_check_buf(file, file_len, &o, rep, why, sizeof(why));
    if (rc < 0)
        return cli_fail(rc == RN_ENOMEM ? CLI_ERROR : CLI_REFUSED, "%s: %s", a->pos[0], why);
    const cred_check *sig = cred_report_find(rep, "signature");
    cl->sig_ok = sig != NULL && sig->result == CRED_PASS;
    if (cl->sig_ok && rep->key_index < keys_n) {
        memcpy(cl->issuer_key, keys[rep->key_index], PROTO_KEY_BYTES);
        cl->key_is_id = is_id[rep->key_index];
        snprintf(cl->sig_note, sizeof(cl->sig_note), "%s",
                 pid[0] != '\0' ? "by an issuer key of the spec's provider" : "by the key given");
        if (pid[0] != '\0')
            snprintf(cl->sig_note, sizeof(cl->sig_note), "by an issuer key of %s", pid);
    } else if (cl->sig_ok) {
        /* Verified by a key the token names, not one the registry holds. */
        cl->sig_ok = false;
        snprintf(cl->sig_note, sizeof(cl->sig_note), "by a key the token names, not by %s",
                 pid[0] != '\0' ? "an issuer key of the provider" : "the key given");
    } else if (pid[0] != '\0') {
        snprintf(cl->sig_note, sizeof(cl->sig_note), "by none of the %zu issuer key(s) of %s",
                 keys_n, pid);
    } else {
        snprintf(cl->sig_note, sizeof(cl->sig_note), "not by the key given");
    }
    for (size_t i = 0; i < keys_n; i++)
        cred_key_free(&ck[i]);
    return CLI_OK;
}

/* True if spec record `s` lists `id` among its source_ids. */
static bool spec_binds(const proto_spec *s, const char *id)
{
    for (uint32_t i = 0; id != NULL && i < s->source_ids_n; i++)
        if (proto_str_eq(s->source_ids[i], proto_str_c(id)))
            return true;
    return false;
}

/*
 * The binding of a badge to its spec (PROTOCOL.md 3.5, spec.source_ids): a spec imported from a
 * credential names the achievement it came from, so a badge of that achievement belongs to that
 * spec and to no other. `ach` is the badge's achievement id (may be NULL), cl->spec the spec the
 * badge is verified under (--spec, or the id an import of it derives), `derived` that derived
 * id (empty when none). Refused (CLI_NEGATIVE, the reason printed) when the spec is bound and
 * not to this achievement, or when the spec an import of the badge derives is bound to it and is
 * another spec. A spec bound to nothing (published by hand, or before the binding existed) is
 * taken as named. CLI_OK, or the exit code of a node error.
 */
/* The spec other than `except` among the provider's specs (the node's `search` by provider,
 * page by page) that is bound to achievement `ach`, into out[]; "" when none. CLI_OK or the exit
 * code of a node error. */
static int bound_spec_of_provider(cli *c, const char *prov, const char *ach, const char *except,
                                  char out[RN_ID_BYTES_MAX + 1])
{
    char after[RN_ID_BYTES_MAX + 1] = "";
    proto_record *rec = malloc(sizeof(*rec));
    int rc = CLI_OK;
    out[0] = '\0';
    if (rec == NULL)
        return cli_fail(CLI_ERROR, "out of memory");
    for (unsigned page = 0; page < 64 && out[0] == '\0'; page++) {
        mp_buf p;
        rpc_resp raw;
        memset(&raw, 0, sizeof(raw));
        mp_buf_init(&p, 512);
        mp_put_array(&p, 4);
        mp_put_map(&p, 1);
        mp_put_cstr(&p, "provider");
        mp_put_cstr(&p, prov);
        mp_put_nil(&p);
        if (after[0] != '\0')
            mp_put_cstr(&p, after);
        else
            mp_put_nil(&p);
        mp_put_uint(&p, RN_SEARCH_RESULTS_MAX);
        rc = cli_call(c, "search", &p, &raw);
        mp_buf_free(&p);
        json_t *res = rc == CLI_OK ? rpc_to_json(raw.result) : NULL;
        rpc_resp_free(&raw);
        if (rc != CLI_OK)
            break;
        json_t *hits = json_object_get(res, "hits"), *h;
        size_t i;
        json_array_foreach(hits, i, h)
        {
            const char *id = json_string_value(json_object_get(h, "spec_id"));
            uint8_t *buf = NULL;
            proto_entry e;
            if (id == NULL || strcmp(id, except) == 0)
                continue;
            snprintf(after, sizeof(after), "%s", id);
            rc = cli_record_get(c, PROTO_KIND_SPEC, id, UINT64_MAX, &buf, &e, rec);
            if (rc == CLI_OK && spec_binds(&rec->u.spec, ach))
                snprintf(out, RN_ID_BYTES_MAX + 1, "%s", id);
            free(buf);
            if (rc != CLI_OK && rc != CLI_NEGATIVE)
                break;
            rc = CLI_OK;
            if (out[0] != '\0')
                break;
        }
        bool more = json_is_true(json_object_get(res, "more"));
        json_decref(res);
        if (rc != CLI_OK || !more)
            break;
    }
    free(rec);
    return rc;
}

static int badge_binding(cli *c, const char *file, const char *ach, const claim *cl,
                         const char *derived)
{
    proto_record *rec = malloc(sizeof(*rec));
    uint8_t *buf = NULL;
    proto_entry e;
    int rc;
    if (rec == NULL)
        return cli_fail(CLI_ERROR, "out of memory");
    rc = cli_record_get(c, PROTO_KIND_SPEC, cl->spec, UINT64_MAX, &buf, &e, rec);
    if (rc == CLI_OK && rec->u.spec.source_ids_n > 0 && !spec_binds(&rec->u.spec, ach)) {
        char bound[RN_URL_BYTES_MAX + 1];
        snprintf(bound, sizeof(bound), "%.*s", (int)rec->u.spec.source_ids[0].len,
                 (const char *)rec->u.spec.source_ids[0].ptr);
        free(buf);
        free(rec);
        return cli_fail(CLI_NEGATIVE,
                        "%s: the badge's achievement %s is not what spec %s was imported from "
                        "(%s): not a credential of that spec",
                        file, ach != NULL ? ach : "(none)", cl->spec, bound);
    }
    char prov[RN_ID_BYTES_MAX + 1] = "";
    bool unbound = rc == CLI_OK && rec->u.spec.source_ids_n == 0;
    if (rc == CLI_OK)
        snprintf(prov, sizeof(prov), "%.*s", (int)rec->u.spec.provider.len,
                 (const char *)rec->u.spec.provider.ptr);
    free(buf);
    buf = NULL;
    if (rc != CLI_OK && rc != CLI_NEGATIVE) {
        free(rec);
        return rc;
    }
    /* The named spec is bound to nothing: is another spec of its provider bound to the badge? */
    if (unbound && ach != NULL) {
        char other[RN_ID_BYTES_MAX + 1];
        rc = bound_spec_of_provider(c, prov, ach, cl->spec, other);
        if (rc == CLI_OK && other[0] != '\0') {
            free(rec);
            return cli_fail(CLI_NEGATIVE,
                            "%s: the badge's achievement %s is bound to spec %s, not %s", file, ach,
                            other, cl->spec);
        }
        if (rc != CLI_OK) {
            free(rec);
            return rc;
        }
    }
    if (ach != NULL && derived[0] != '\0' && strcmp(derived, cl->spec) != 0) {
        rc = cli_record_get(c, PROTO_KIND_SPEC, derived, UINT64_MAX, &buf, &e, rec);
        bool bound = rc == CLI_OK && spec_binds(&rec->u.spec, ach);
        free(buf);
        free(rec);
        if (bound)
            return cli_fail(CLI_NEGATIVE,
                            "%s: the badge's achievement %s is bound to spec %s, not %s", file, ach,
                            derived, cl->spec);
        return rc == CLI_OK || rc == CLI_NEGATIVE ? CLI_OK : rc;
    }
    free(rec);
    return CLI_OK;
}

static int claim_of_jwt(cli *c, const cli_cmd *cmd, cli_args *a, const uint8_t *buf, size_t len,
                        claim *cl, cred_report *rep)
{
    cred_vcjwt j;
    char why[IMP_WHY_BYTES];
    imp_flags none;
    imp_result *r = NULL;
    int rc = cred_vcjwt_parse((const char *)buf, len, &j, why, sizeof(why));
    if (rc < 0) {
        rc = cli_fail(rc == RN_ENOMEM ? CLI_ERROR : CLI_REFUSED, "%s: %s", a->pos[0], why);
        goto out;
    }
    if (j.jws.alg == CRED_ALG_NONE) {
        rc = cli_fail(CLI_REFUSED, "%s: the token's alg is none of RS256, ES256, EdDSA", a->pos[0]);
        goto out;
    }
    /* RS256 and ES256 tokens are checked against the JWK and DID keys the provider registered
     * (PROTOCOL.md 3.4), EdDSA ones against its Ed25519 keys as well. */
    cl->form = j.jws.alg == CRED_ALG_RS256   ? "Open Badges 3.0 VC-JWT (RS256)"
               : j.jws.alg == CRED_ALG_ES256 ? "Open Badges 3.0 VC-JWT (ES256)"
                                             : "Open Badges 3.0 VC-JWT (EdDSA)";
    cred_vcjwt_digest(&j, cl->digest);
    if (badge_issued_at(&j, &cl->issued_at_ms) < 0) {
        rc = cli_fail(CLI_REFUSED,
                      "%s: the badge has no issue date (awardedDate, validFrom, "
                      "issuanceDate or nbf)",
                      a->pos[0]);
        goto out;
    }
    /* The spec: --spec, else the id an import of this badge derives. */
    const char *spec = cli_optval(cmd, a, "spec");
    const char *ach = json_string_value(json_object_get(
        json_object_get(json_object_get(j.vc, "credentialSubject"), "achievement"), "id"));
    char derived[RN_ID_BYTES_MAX + 1] = "";
    memset(&none, 0, sizeof(none));
    r = calloc(1, sizeof(*r));
    if (r == NULL) {
        rc = cli_fail(CLI_ERROR, "out of memory");
        goto out;
    }
    rc = imp_map(j.vc, &none, r, why, sizeof(why));
    const char *id = rc == 0 ? json_string_value(json_object_get(r->spec, "id")) : NULL;
    if (id != NULL && rc == 0 && r->format == IMP_OBV3)
        snprintf(derived, sizeof(derived), "%s", id);
    if (spec != NULL) {
        if (proto_id_check((const uint8_t *)spec, strlen(spec)) < 0) {
            rc = cli_usage(cmd, "--spec %s: expected a spec id CC:reference", spec);
            goto out;
        }
        snprintf(cl->spec, sizeof(cl->spec), "%s", spec);
    } else {
        if (rc == 0 && r->format != IMP_OBV3) {
            rc = cli_fail(CLI_REFUSED,
                          "%s: the token's credential is not an Open Badges 3.0 "
                          "credential",
                          a->pos[0]);
            goto out;
        }
        if (id == NULL) {
            rc = cli_usage(cmd,
                           "%s: the badge does not say which spec it was issued under (%s): "
                           "give --spec",
                           a->pos[0], rc < 0 ? why : "no country of the 30, or no identifier");
            goto out;
        }
        snprintf(cl->spec, sizeof(cl->spec), "%s", id);
    }
    rc = badge_checks(c, cmd, a, buf, len, cl, rep);
    /* The binding is the node's to tell, asked once the local checks passed (a badge that fails
     * them is answered without the node). */
    if (rc == CLI_OK && rep->failed == 0)
        rc = badge_binding(c, a->pos[0], ach, cl, derived);
out:
    if (r != NULL)
        imp_result_free(r);
    free(r);
    cred_vcjwt_free(&j);
    return rc;
}

/* A sealed European Digital Credential: the seal and the credential checked offline (the chain
 * against --trust when given) and reported. The node is not asked: it registers a provider's
 * Ed25519 issuer keys, not sealing certificates, so it cannot say whether the sealer is the
 * provider; a seal that passes therefore answers "not asked" with exit 3, one that fails NOT
 * VALID with exit 1. */
static int verify_sealed(cli *c, const cli_cmd *cmd, cli_args *a, const uint8_t *buf, size_t len)
{
    const char *trust = cli_optval(cmd, a, "trust"), *at = cli_optval(cmd, a, "at");
    char why[512], names[256];
    cred_trust tr;
    cred_report rep;
    cred_opts o;
    int rc;
    cred_trust_init(&tr);
    cred_report_init(&rep);
    memset(&o, 0, sizeof(o));
    o.now_ms = now_ms();
    if (at != NULL && rec_time_parse(at, strlen(at), &o.now_ms) < 0) {
        rc = cli_usage(cmd, "--at: expected a date or a datetime with its zone");
        goto out;
    }
    if (trust != NULL) {
        if ((rc = cred_trust_load_pem(&tr, trust, why, sizeof(why))) < 0) {
            rc = cli_fail(rc == RN_EIO ? CLI_ERROR : CLI_REFUSED, "--trust: %s", why);
            goto out;
        }
        o.trust = &tr;
    }
    rc = cred_check_buf(buf, len, &o, &rep, why, sizeof(why));
    if (rc < 0) {
        rc = cli_fail_rn(rc == RN_ENOMEM ? CLI_ERROR : CLI_REFUSED, rc, NULL, -1,
                         "%s: a sealed credential recnetctl cannot read: %s", a->pos[0], why);
        goto out;
    }
    failed_names(&rep, names, sizeof(names));
    if (c->json) {
        json_t *j = json_object();
        json_object_set_new(j, "valid_and_recognised", json_false());
        json_object_set_new(j, "form", json_string(rep.form));
        json_object_set_new(j, "sealed_by", json_string(rep.sealer));
        json_object_set_new(j, "valid", json_boolean(rep.failed == 0));
        json_object_set_new(j, "node_asked", json_false());
        json_object_set_new(j, "checks", checks_json(&rep));
        cli_json_print(j);
        json_decref(j);
    } else {
        cli_kv(CLI_ANSWER_WIDTH, "credential", "%s", rep.form);
        cli_kv(CLI_ANSWER_WIDTH, "sealed by", "%s", rep.sealer[0] != '\0' ? rep.sealer : "?");
        print_checks(&rep);
        if (rep.failed > 0)
            cli_kv(CLI_ANSWER_WIDTH, "answer", "NOT VALID: %zu check(s) failed: %s", rep.failed,
                   names);
        else
            cli_kv(CLI_ANSWER_WIDTH, "answer",
                   "the seal verifies; the node is not asked: it registers providers' Ed25519 "
                   "issuer keys, not sealing certificates, so it cannot say whether the sealer "
                   "is the provider, nor how %s recognises the credential",
                   a->pos[1]);
    }
    rc = rep.failed > 0 ? CLI_NEGATIVE : CLI_REFUSED;
out:
    cred_report_free(&rep);
    cred_trust_free(&tr);
    return rc;
}

/* Is buf[0..len) JSON shaped as a sealed credential? */
static bool looks_sealed(const uint8_t *buf, size_t len)
{
    json_t *doc = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, NULL);
    bool sealed = cred_seal_is(doc);
    json_decref(doc);
    return sealed;
}

int cmd_credential_verify(cli *c, const cli_cmd *cmd, cli_args *a)
{
    uint8_t *buf = NULL;
    size_t len;
    char why[512];
    claim cl;
    cred_report rep;
    int rc;
    memset(&cl, 0, sizeof(cl));
    cred_report_init(&rep);
    if (country_arg(a->pos[1]) == NULL)
        return cli_usage(cmd, "%s: not one of the 30 country codes", a->pos[1]);
    if (proto_enum_value_parse(PROTO_ENUM_PURPOSE, a->pos[2]) < 0)
        return cli_usage(cmd, "%s: the purpose is further_study, employment or both", a->pos[2]);
    rc = cli_read_file(a->pos[0], CRED_VERIFY_FILE_BYTES_MAX, &buf, &len, why, sizeof(why));
    if (rc < 0)
        return cli_fail(rc == RN_ETOOBIG ? CLI_REFUSED : CLI_ERROR, "%s", why);
    if (len > 0 && buf[0] == 0x97) {
        rc = claim_of_envelope(cmd, a, buf, len, &cl);
    } else if (cred_jws_looks_compact(buf, len)) {
        rc = claim_of_jwt(c, cmd, a, buf, len, &cl, &rep);
        cl.checks = &rep;
    } else if (looks_sealed(buf, len)) {
        rc = verify_sealed(c, cmd, a, buf, len);
        free(buf);
        return rc;
    } else {
        rc = cli_fail(CLI_REFUSED,
                      "%s: neither a recnet credential envelope, a VC-JWT (compact JWS) nor a "
                      "sealed European Digital Credential",
                      a->pos[0]);
    }
    free(buf);
    if (rc == CLI_OK && rep.failed > 0) {
        /* A local check failed (the signature, a date, a claim): say which, and do not ask the
         * node. */
        char names[256];
        failed_names(&rep, names, sizeof(names));
        if (c->json) {
            json_t *o = json_object();
            json_object_set_new(o, "valid_and_recognised", json_false());
            json_object_set_new(o, "credential", claim_json(&cl));
            cli_json_print(o);
            json_decref(o);
        } else {
            print_claim(&cl);
            cli_kv(CLI_ANSWER_WIDTH, "answer", "NOT VALID: %s",
                   !cl.sig_ok ? "the signature does not verify" : names);
        }
        cred_report_free(&rep);
        return CLI_NEGATIVE;
    }
    if (rc == CLI_OK)
        rc = ask_node(c, cmd, a, &cl);
    cred_report_free(&rep);
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
