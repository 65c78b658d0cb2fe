/*
 * cmd_witness.c: offline checks of what witnesses and signed answers give a verifier
 * (PROTOCOL.md 16): `checkpoint verify FILE --roster R [--witnesses N]` and
 * `answer verify FILE --roster R`, and the durations of `--max-age` (cli_duration_parse).
 *
 * Both read one file and the roster and trust nothing else; --json prints what the text shows.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "cli.h"
#include "conf/roster.h"
#include "proto/checkpoint.h"
#include "proto/key.h"
#include "proto/limits.h"
#include "api/recjson.h"
#include "rpc.h"

int cli_duration_parse(const char *s, uint64_t *ms)
{
    static const struct {
        char unit;
        uint64_t ms;
    } units[] = { { 's', 1000u }, { 'm', 60000u }, { 'h', 3600000u }, { 'd', 86400000u } };
    uint64_t n = 0;
    size_t i = 0;
    if (s == NULL || s[0] < '0' || s[0] > '9')
        return RN_EINVAL;
    for (; s[i] >= '0' && s[i] <= '9'; i++) {
        if (n > RN_TIME_MS_MAX / 10u)
            return RN_EINVAL;
        n = n * 10u + (uint64_t)(s[i] - '0');
    }
    if (s[i] == '\0' || (s[i + 1] != '\0' && strcmp(s + i, "ms") != 0))
        return RN_EINVAL;
    if (strcmp(s + i, "ms") == 0) {
        *ms = n;
        return n <= RN_TIME_MS_MAX ? 0 : RN_EINVAL;
    }
    for (size_t k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
        if (s[i] == units[k].unit) {
            if (n > RN_TIME_MS_MAX / units[k].ms)
                return RN_EINVAL;
            *ms = n * units[k].ms;
            return 0;
        }
    }
    return RN_EINVAL;
}

/* The roster: a roster file (INI) or its canonical MessagePack encoding. `file` owns it in the
 * first case, `own` is set in the second. */
static int witness_roster(const char *path, proto_roster *out, nodeconf_roster *file, bool *own)
{
    int rc = cli_roster_load(path, out, file);
    *own = rc == CLI_OK && file->count == 0;
    return rc;
}

static json_t *key_json(const uint8_t key[PROTO_KEY_BYTES])
{
    char t[PROTO_KEY_TEXT_LEN + 1];
    proto_key_text_format(key, t);
    return json_string(t);
}

static json_t *time_json(uint64_t ms)
{
    char t[REC_TIME_BYTES];
    rec_time_format(ms, t);
    return json_string(t);
}

static json_t *hex_json(const uint8_t *b, size_t n)
{
    char h[2 * 64 + 1];
    rec_hex(b, n, h);
    return json_string(h);
}

/* "IE authority", "mirror", or "not a member". */
static const char *member_says(const proto_roster *r, const uint8_t *key, char *buf, size_t cap)
{
    const proto_member *m = proto_roster_find(r, key);
    if (m == NULL)
        return "not a member";
    snprintf(buf, cap, "%s%s%s", m->country, m->country[0] != '\0' ? " " : "",
             proto_role_name((int)m->role));
    return buf;
}

/* ---- checkpoint get ---- */

/* recnetctl checkpoint get [-o FILE]: the node's newest checkpoint (checkpoint.get, PROTOCOL.md
 * 12.3) with the cosignatures it collected, shown, and its exact bytes saved to FILE for
 * `checkpoint verify`. */
int cmd_checkpoint_get(cli *c, const cli_cmd *cmd, cli_args *a)
{
    const char *path = cli_optval(cmd, a, "output");
    rpc_resp raw;
    mp_buf p;
    mp_cur v;
    const uint8_t *b;
    uint32_t n;
    mp_buf_init(&p, 16);
    mp_put_array(&p, 0);
    int rc = cli_call(c, CTL_CHECKPOINT_GET, &p, &raw);
    mp_buf_free(&p);
    if (rc != CLI_OK) {
        rpc_resp_free(&raw);
        return rc;
    }
    if (!rpc_map_get(raw.result, "checkpoint", &v) || mp_read_bin(&v, &b, &n) < 0) {
        rpc_resp_free(&raw);
        return cli_fail(CLI_ERROR, "malformed response: no checkpoint");
    }
    if (path != NULL) {
        FILE *f = fopen(path, "wb");
        bool ok = f != NULL && fwrite(b, 1, n, f) == n;
        if (f != NULL && fclose(f) != 0)
            ok = false;
        if (!ok) {
            rpc_resp_free(&raw);
            return cli_fail(CLI_ERROR, "cannot write %s", path);
        }
    }
    json_t *o = rpc_to_json(raw.result);
    rpc_resp_free(&raw);
    if (o == NULL)
        return cli_fail(CLI_ERROR, "malformed response");
    if (c->json) {
        cli_json_print(o);
    } else {
        json_t *hs = json_object_get(o, "heads"), *h;
        size_t i;
        cli_kv(8, "signer", "%s", json_string_value(json_object_get(o, "signer")));
        cli_kv(8, "time", "%s", json_string_value(json_object_get(o, "time")));
        cli_kv(8, "roster", "version %lld",
               (long long)json_integer_value(json_object_get(o, "roster_version")));
        cli_kv(8, "cosigned", "by %zu witness(es)",
               json_array_size(json_object_get(o, "cosignatures")));
        cli_table t;
        char seq[24];
        cli_table_init(&t, 3);
        cli_table_row(&t, "COUNTRY", "SEQ", "AUTHOR");
        json_array_foreach(hs, i, h)
        {
            snprintf(seq, sizeof(seq), "%lld",
                     (long long)json_integer_value(json_object_get(h, "seq")));
            cli_table_row(&t, json_string_value(json_object_get(h, "country")), seq,
                          json_string_value(json_object_get(h, "author")));
        }
        printf("\nheads:\n");
        cli_table_print(&t);
        cli_table_free(&t);
        if (path != NULL)
            printf("\nsaved to %s; recnetctl checkpoint verify %s --roster ROSTER checks it\n",
                   path, path);
    }
    json_decref(o);
    return CLI_OK;
}

/* ---- checkpoint verify ---- */

int cmd_checkpoint_verify(cli *c, const cli_cmd *cmd, cli_args *a)
{
    const char *rpath = cli_optval(cmd, a, "roster"), *wstr = cli_optval(cmd, a, "witnesses");
    nodeconf_roster file;
    proto_roster roster;
    proto_checkpoint *cp = NULL;
    uint8_t *buf = NULL;
    size_t len;
    uint32_t need = 0, counted = 0;
    int status[RN_CHECKPOINT_COSIGS_MAX];
    char why[512], msg[160], who[64];
    rn_diag d = { 0 };
    bool own = false;
    int rc;
    memset(&file, 0, sizeof(file));
    memset(&roster, 0, sizeof(roster));
    if (rpath == NULL)
        return cli_usage(cmd, "--roster ROSTER: the federation's roster file");
    if (wstr != NULL) {
        char *end;
        unsigned long n = strtoul(wstr, &end, 10);
        if (wstr[0] < '0' || wstr[0] > '9' || *end != '\0' || n > RN_CHECKPOINT_COSIGS_MAX)
            return cli_usage(cmd, "--witnesses N: 0 to %u", RN_CHECKPOINT_COSIGS_MAX);
        need = (uint32_t)n;
    }
    rc = witness_roster(rpath, &roster, &file, &own);
    if (rc != CLI_OK)
        return rc;
    if (cli_read_file(a->pos[0], RN_CHECKPOINT_BYTES_MAX, &buf, &len, why, sizeof(why)) < 0) {
        rc = cli_fail(CLI_ERROR, "%s", why);
        goto out;
    }
    cp = calloc(1, sizeof(*cp));
    if (cp == NULL) {
        rc = cli_fail(CLI_ERROR, "out of memory");
        goto out;
    }
    int dr = proto_checkpoint_decode(cp, buf, len, &d);
    if (dr < 0) {
        rc = cli_fail_rn(CLI_REFUSED, dr, d.field, d.index > 0 ? (long)d.index - 1 : -1,
                         "%s: not a checkpoint: %s", a->pos[0],
                         rn_diag_format(&d, msg, sizeof(msg)));
        goto out;
    }
    int vr = proto_checkpoint_verify(cp, &roster, &counted, status, &d);
    if (vr == 0 && counted < need) {
        vr = rn_fail(&d, RN_EWITNESS, "checkpoint.cosignatures");
        d.index = 0;
    }
    if (vr == RN_EWITNESS)
        snprintf(msg, sizeof(msg), "%" PRIu32 " witness%s counted, %" PRIu32 " asked", counted,
                 counted == 1 ? "" : "es", need);
    else
        rn_diag_format(&d, msg, sizeof(msg));

    json_t *o = json_object(), *heads = json_array(), *cos = json_array();
    json_object_set_new(o, "verified", json_boolean(vr == 0));
    if (vr < 0) {
        json_object_set_new(o, "error", json_string(rn_err_name(vr)));
        json_object_set_new(o, "reason", json_string(msg));
    }
    json_object_set_new(o, "hash", hex_json(cp->hash, PROTO_ID_BYTES));
    json_object_set_new(o, "signer", key_json(cp->signer));
    json_object_set_new(o, "signer_member",
                        json_string(member_says(&roster, cp->signer, who, sizeof(who))));
    json_object_set_new(o, "time", time_json(cp->time_ms));
    json_object_set_new(o, "roster_version", json_integer((json_int_t)cp->roster_version));
    for (uint32_t i = 0; i < cp->heads_n; i++) {
        json_t *h = json_object();
        const proto_member *m = proto_roster_find(&roster, cp->heads[i].author);
        json_object_set_new(h, "author", key_json(cp->heads[i].author));
        if (m != NULL && m->country[0] != '\0')
            json_object_set_new(h, "country", json_string(m->country));
        json_object_set_new(h, "seq", json_integer((json_int_t)cp->heads[i].seq));
        json_object_set_new(h, "id", hex_json(cp->heads[i].id, PROTO_ID_BYTES));
        json_array_append_new(heads, h);
    }
    for (uint32_t i = 0; i < cp->cosigs_n; i++) {
        json_t *w = json_object();
        json_object_set_new(w, "witness", key_json(cp->cosigs[i].witness));
        json_object_set_new(w, "time", time_json(cp->cosigs[i].time_ms));
        json_object_set_new(
            w, "member",
            json_string(member_says(&roster, cp->cosigs[i].witness, who, sizeof(who))));
        json_object_set_new(w, "counted",
                            json_boolean(vr == 0 || vr == RN_EWITNESS ? status[i] == 0 : false));
        json_array_append_new(cos, w);
    }
    json_object_set_new(o, "heads", heads);
    json_object_set_new(o, "cosignatures", cos);
    json_object_set_new(o, "witnesses", json_integer((json_int_t)counted));
    json_object_set_new(o, "witnesses_asked", json_integer((json_int_t)need));
    if (c->json) {
        cli_json_print(o);
    } else {
        json_t *x;
        size_t i;
        cli_kv(9, "signer", "%s (%s)", json_string_value(json_object_get(o, "signer")),
               json_string_value(json_object_get(o, "signer_member")));
        cli_kv(9, "time", "%s", json_string_value(json_object_get(o, "time")));
        cli_kv(9, "roster", "version %" PRIu64, cp->roster_version);
        cli_kv(9, "hash", "%s", json_string_value(json_object_get(o, "hash")));
        cli_table t;
        char seq[24];
        cli_table_init(&t, 4);
        cli_table_row(&t, "COUNTRY", "AUTHOR", "SEQ", "ID");
        json_array_foreach(heads, i, x)
        {
            json_t *cc = json_object_get(x, "country");
            snprintf(seq, sizeof(seq), "%" PRIu64, cp->heads[i].seq);
            cli_table_row(&t, cc != NULL ? json_string_value(cc) : "-",
                          json_string_value(json_object_get(x, "author")), seq,
                          json_string_value(json_object_get(x, "id")));
        }
        printf("\nheads:\n");
        cli_table_print(&t);
        cli_table_free(&t);
        cli_table_init(&t, 4);
        cli_table_row(&t, "WITNESS", "TIME", "MEMBER", "COUNTED");
        json_array_foreach(cos, i, x)
        {
            cli_table_row(&t, json_string_value(json_object_get(x, "witness")),
                          json_string_value(json_object_get(x, "time")),
                          json_string_value(json_object_get(x, "member")),
                          json_is_true(json_object_get(x, "counted")) ? "yes" : "no");
        }
        printf("\ncosignatures:\n");
        if (cp->cosigs_n > 0)
            cli_table_print(&t);
        else
            printf("(none)\n");
        cli_table_free(&t);
        putchar('\n');
        if (vr == 0)
            printf("VERIFIED against %s: signed by a member, %" PRIu32 " witness%s counted "
                   "(%" PRIu32 " asked)\n",
                   rpath, counted, counted == 1 ? "" : "es", need);
        else
            printf("DOES NOT VERIFY: %s (%s)\n", msg, rn_err_name(vr));
    }
    json_decref(o);
    rc = vr == 0 ? CLI_OK : CLI_NEGATIVE;
out:
    free(cp);
    free(buf);
    if (own)
        proto_roster_free(&roster);
    nodeconf_roster_free(&file);
    return rc;
}

/* ---- answer verify ---- */

/* ---- answer verify --headers: the gateway's JSON answer signed in its headers ---- */

/* The value of header `name` (lowercase) in the response headers hdr[0..len) as curl -D writes
 * them (the last response's, when redirects or 100-continue wrote several), blanks trimmed,
 * copied into out[0..cap). Returns false when absent or too long. */
static bool header_value(const char *hdr, size_t len, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    bool found = false;
    for (size_t i = 0; i < len;) {
        size_t e = i;
        while (e < len && hdr[e] != '\n')
            e++;
        size_t l = e - i;
        if (l > nl && hdr[i + nl] == ':' && strncasecmp(hdr + i, name, nl) == 0) {
            size_t b = i + nl + 1, f = e;
            while (b < f && (hdr[b] == ' ' || hdr[b] == '\t'))
                b++;
            while (f > b && (hdr[f - 1] == '\r' || hdr[f - 1] == ' ' || hdr[f - 1] == '\t'))
                f--;
            found = f - b < cap;
            if (found) {
                memcpy(out, hdr + b, f - b);
                out[f - b] = '\0';
            }
        } else if (l >= 5 && strncmp(hdr + i, "HTTP/", 5) == 0) {
            found = false; /* a later response starts: only its headers count */
        }
        i = e + 1;
    }
    return found;
}

/* Checks body[0..blen) against the Recnet-Signer, Recnet-Time and Recnet-Signature of the
 * headers file `hpath` (PROTOCOL.md 12.5). Fills o and returns the verdict (an RN_E code), with
 * the diagnostic in msg. */
static int answer_json_check(const char *hpath, const uint8_t *body, size_t blen,
                             const proto_roster *roster, json_t *o, char *msg, size_t cap)
{
    uint8_t *h = NULL, pk[PROTO_KEY_BYTES], sig[PROTO_SIG_BYTES];
    size_t hlen, siglen = 0;
    char why[512], signer[PROTO_KEY_TEXT_LEN + 8], tm[32], b64[128], who[64];
    if (cli_read_file(hpath, 64u * 1024u, &h, &hlen, why, sizeof(why)) < 0) {
        snprintf(msg, cap, "%s", why);
        return RN_EIO;
    }
    bool have = header_value((const char *)h, hlen, "recnet-signer", signer, sizeof(signer)) &&
                header_value((const char *)h, hlen, "recnet-time", tm, sizeof(tm)) &&
                header_value((const char *)h, hlen, "recnet-signature", b64, sizeof(b64));
    free(h);
    if (!have) {
        snprintf(msg, cap,
                 "%s: no Recnet-Signer, Recnet-Time and Recnet-Signature headers (ask "
                 "with the request header Recnet-Sign: 1)",
                 hpath);
        return RN_EMISSING;
    }
    char *end;
    errno = 0;
    unsigned long long t = strtoull(tm, &end, 10);
    if (tm[0] < '0' || tm[0] > '9' || *end != '\0' || errno != 0 || t > RN_TIME_MS_MAX) {
        snprintf(msg, cap, "Recnet-Time: not a time in ms: %s", tm);
        return RN_ETIME;
    }
    if (proto_key_text_parse(signer, strlen(signer), pk) < 0) {
        snprintf(msg, cap, "Recnet-Signer: not a key: %s", signer);
        return RN_EKEY;
    }
    if (sodium_base642bin(sig, sizeof(sig), b64, strlen(b64), NULL, &siglen, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        siglen != sizeof(sig)) {
        snprintf(msg, cap, "Recnet-Signature: not the base64 of 64 bytes");
        return RN_ELEN;
    }
    json_object_set_new(o, "signer", key_json(pk));
    json_object_set_new(o, "signer_member", json_string(member_says(roster, pk, who, sizeof(who))));
    json_object_set_new(o, "time", time_json((uint64_t)t));
    if (proto_roster_find(roster, pk) == NULL) {
        snprintf(msg, cap, "Recnet-Signer: %s", rn_strerror(RN_EROSTER));
        return RN_EROSTER;
    }
    if (proto_answer_json_verify(body, blen, (uint64_t)t, pk, sig) != 0) {
        snprintf(msg, cap, "Recnet-Signature: %s", rn_strerror(RN_ESIG));
        return RN_ESIG;
    }
    return 0;
}

int cmd_answer_verify(cli *c, const cli_cmd *cmd, cli_args *a)
{
    const char *rpath = cli_optval(cmd, a, "roster"), *hpath = cli_optval(cmd, a, "headers");
    nodeconf_roster file;
    proto_roster roster;
    proto_signed_answer ans;
    uint8_t *buf = NULL;
    size_t len;
    char why[512], msg[640], who[64];
    rn_diag d = { 0 };
    bool own = false;
    int rc;
    memset(&file, 0, sizeof(file));
    memset(&roster, 0, sizeof(roster));
    if (rpath == NULL)
        return cli_usage(cmd, "--roster ROSTER: the federation's roster file");
    rc = witness_roster(rpath, &roster, &file, &own);
    if (rc != CLI_OK)
        return rc;
    if (cli_read_file(a->pos[0], RN_SIGNED_ANSWER_BYTES_MAX, &buf, &len, why, sizeof(why)) < 0) {
        rc = cli_fail(CLI_ERROR, "%s", why);
        goto out;
    }
    json_t *o = json_object(), *body;
    int vr;
    if (hpath != NULL) { /* the gateway's JSON, signed in its headers */
        json_error_t je;
        body = json_loadb((const char *)buf, len, 0, &je);
        vr = answer_json_check(hpath, buf, len, &roster, o, msg, sizeof(msg));
        if (vr == RN_EIO) {
            json_decref(o);
            json_decref(body);
            rc = cli_fail(CLI_ERROR, "%s", msg);
            goto out;
        }
    } else {
        int dr = proto_answer_decode(&ans, buf, len, &d);
        if (dr < 0) {
            json_decref(o);
            rc = cli_fail_rn(CLI_REFUSED, dr, d.field, -1, "%s: not a signed answer: %s", a->pos[0],
                             rn_diag_format(&d, msg, sizeof(msg)));
            goto out;
        }
        vr = proto_answer_verify(&ans, &roster, &d);
        rn_diag_format(&d, msg, sizeof(msg));
        mp_cur v;
        mp_cur_init(&v, ans.answer, ans.answer_len);
        body = rpc_to_json(v);
        json_object_set_new(o, "signer", key_json(ans.signer));
        json_object_set_new(o, "signer_member",
                            json_string(member_says(&roster, ans.signer, who, sizeof(who))));
        json_object_set_new(o, "time", time_json(ans.time_ms));
    }
    json_object_set_new(o, "verified", json_boolean(vr == 0));
    if (vr < 0) {
        json_object_set_new(o, "error", json_string(rn_err_name(vr)));
        json_object_set_new(o, "reason", json_string(msg));
    }
    json_object_set_new(o, "answer", body != NULL ? body : json_null());
    if (c->json) {
        cli_json_print(o);
    } else {
        if (json_object_get(o, "signer") != NULL) {
            cli_kv(7, "signer", "%s (%s)", json_string_value(json_object_get(o, "signer")),
                   json_string_value(json_object_get(o, "signer_member")));
            cli_kv(7, "time", "%s", json_string_value(json_object_get(o, "time")));
        }
        char *text = body != NULL ? json_dumps(body, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
        printf("answer:\n%s\n\n", text != NULL ? text : "(not shown)");
        free(text);
        if (vr == 0)
            printf("VERIFIED against %s: the node %s said this at %s\n", rpath,
                   json_string_value(json_object_get(o, "signer")),
                   json_string_value(json_object_get(o, "time")));
        else
            printf("DOES NOT VERIFY: %s (%s)\n", msg, rn_err_name(vr));
    }
    json_decref(o);
    rc = vr == 0 ? CLI_OK : CLI_NEGATIVE;
out:
    free(buf);
    if (own)
        proto_roster_free(&roster);
    nodeconf_roster_free(&file);
    return rc;
}
