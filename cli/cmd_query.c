/*
 * cmd_query.c: the questions: `query recognise|search|verify|stack|matrix`, the federation
 * `report`, and proofs: `proof get` (recognise, and keep the bundle) and `proof verify`
 * (offline, with only the roster).
 *
 * Values typed on the command line (countries, purposes, times, keys, digests) are checked here
 * before anything is sent, so that a typo is a usage error naming the argument, not a node error.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "conf/roster.h"
#include "proto/checkpoint.h"
#include "proto/codes.h"
#include "proto/key.h"
#include "proto/limits.h"
#include "proto/authors.h"
#include "proto/proof.h"
#include "proto/rosterchain.h"
#include "proto/rules.h"
#include "api/recjson.h"
#include "rpc.h"

static const char *js(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : "-";
}

static long long ji(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static const char *yes_no(bool b)
{
    return b ? "yes" : "no";
}

/* ---- Arguments ---- */

/* A country code as typed ("fr", "EL"): its canonical code, or NULL. */
static const char *country_arg(const char *s)
{
    char up[3];
    if (strlen(s) != 2)
        return NULL;
    for (int i = 0; i < 2; i++)
        up[i] = s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 'a' + 'A') : s[i];
    up[2] = '\0';
    const proto_country *c = proto_country_find(up, 2);
    return c != NULL ? c->alpha2 : NULL;
}

static int purpose_arg(const char *s)
{
    return proto_enum_value_parse(PROTO_ENUM_PURPOSE, s);
}

/* --at TIME, or nil for now. Returns 0 or CLI_USAGE. */
static int put_at(const cli_cmd *cmd, const cli_args *a, mp_buf *p)
{
    const char *s = cli_optval(cmd, a, "at");
    uint64_t at;
    if (s == NULL) {
        mp_put_nil(p);
        return 0;
    }
    if (rec_time_parse(s, strlen(s), &at) < 0)
        return cli_usage(cmd, "--at: expected a date (2024-09-01), a datetime with its zone "
                              "(2024-09-01T10:30:00Z) or ms since the epoch");
    mp_put_uint(p, at);
    return 0;
}

/* --valid-at TIME (PROTOCOL.md 14.1: the time the records' dates are evaluated at), or nil for
 * the time known at. Returns 0 or CLI_USAGE. */
static int put_valid_at(const cli_cmd *cmd, const cli_args *a, mp_buf *p)
{
    const char *s = cli_optval(cmd, a, "valid-at");
    uint64_t t;
    if (s == NULL) {
        mp_put_nil(p);
        return 0;
    }
    if (rec_time_parse(s, strlen(s), &t) < 0)
        return cli_usage(cmd, "--valid-at: expected a date (2024-09-01), a datetime with its "
                              "zone (2024-09-01T10:30:00Z) or ms since the epoch");
    mp_put_uint(p, t);
    return 0;
}

/* Prints "valid at" when the answer's valid time is not its known time. */
static void print_valid_at(json_t *res, int w)
{
    const char *at = js(res, "at"), *valid = js(res, "valid_at");
    if (strcmp(at, valid) != 0)
        cli_kv(w, "valid at", "%s", valid);
}

/* Reads the spec, country and purpose arguments at pos[i..i+2] into the params. */
static int put_question(const cli_cmd *cmd, const char *spec, const char *country,
                        const char *purpose, mp_buf *p)
{
    const char *cc = country_arg(country);
    if (proto_id_check((const uint8_t *)spec, strlen(spec)) < 0)
        return cli_usage(cmd, "%s: expected a spec id CC:reference", spec);
    if (cc == NULL)
        return cli_usage(cmd, "%s: not one of the 30 country codes", country);
    if (purpose_arg(purpose) < 0)
        return cli_usage(cmd, "%s: the purpose is further_study, employment or both", purpose);
    mp_put_cstr(p, spec);
    mp_put_cstr(p, cc);
    mp_put_cstr(p, purpose);
    return 0;
}

/* Calls and converts; *res is the JSON result, *raw the response (free both). */
/* ---- Request options: --signed FILE, --witnessed N (PROTOCOL.md 12.5) ---- */

/* The options of the query command being run (query_options_take sets them). */
static const char *opt_signed; /* --signed FILE: where the signed answer goes, or NULL */
static uint32_t opt_witnessed; /* --witnessed N: 0 for none */

/* Reads --signed and --witnessed of the command, where it has them. */
static int query_options_take(const cli_cmd *cmd, cli_args *a)
{
    opt_signed = NULL;
    opt_witnessed = 0;
    for (const cli_optdef *o = cmd->opts; o != NULL && o->name != NULL; o++) {
        const char *v = cli_optval(cmd, a, o->name);
        if (v == NULL)
            continue;
        if (strcmp(o->name, "signed") == 0) {
            opt_signed = v;
        } else if (strcmp(o->name, "witnessed") == 0) {
            char *end = NULL;
            unsigned long w = strtoul(v, &end, 10);
            if (end == v || *end != '\0' || w == 0 || w > RN_CHECKPOINT_COSIGS_MAX)
                return cli_usage(cmd, "--witnessed %s: a number of cosignatures, 1 to %u", v,
                                 RN_CHECKPOINT_COSIGS_MAX);
            opt_witnessed = (uint32_t)w;
        }
    }
    return CLI_OK;
}

/* The params in p, completed to the method's full list with the options map last. */
static void options_append(const char *method, const mp_buf *p, mp_buf *q)
{
    const ctl_method *m = ctl_method_find((const uint8_t *)method, strlen(method));
    uint32_t n = 0, max = m != NULL ? ctl_params_max(m) : 0;
    mp_cur cur;
    mp_cur_init(&cur, p->data, p->len);
    if (m == NULL || mp_read_array(&cur, &n) < 0 || n >= max) {
        mp_buf_raw(q, p->data, p->len); /* the node refuses it as it stands */
        return;
    }
    mp_put_array(q, max);
    mp_buf_raw(q, cur.p, mp_cur_left(&cur));
    for (uint32_t i = n; i + 1 < max; i++)
        mp_put_nil(q);
    mp_put_map(q, (opt_signed != NULL ? 1u : 0u) + (opt_witnessed > 0 ? 1u : 0u));
    if (opt_signed != NULL) {
        mp_put_cstr(q, "signed");
        mp_put_bool(q, true);
    }
    if (opt_witnessed > 0) {
        mp_put_cstr(q, "witnessed");
        mp_put_uint(q, opt_witnessed);
    }
}

/* A signed answer in raw->result (a bin): saved to --signed's file, checked (its signer is the
 * node that answered, the signature verifies) and unwrapped, so that raw->result is the result
 * it signs, shown as any other. */
static int signed_unwrap(rpc_resp *raw)
{
    const uint8_t *b;
    uint32_t n;
    proto_signed_answer sa;
    if (mp_read_bin(&raw->result, &b, &n) < 0 || proto_answer_decode(&sa, b, n, NULL) != 0 ||
        proto_answer_verify(&sa, NULL, NULL) != 0)
        return cli_fail(CLI_ERROR, "the node's signed answer does not verify");
    FILE *f = fopen(opt_signed, "wb");
    if (f == NULL || fwrite(b, 1, n, f) != n || fclose(f) != 0)
        return cli_fail(CLI_ERROR, "cannot write %s", opt_signed);
    mp_cur a, v;
    mp_cur_init(&a, sa.answer, sa.answer_len);
    if (!rpc_map_get(a, "result", &v))
        return cli_fail(CLI_ERROR, "the signed answer holds no result");
    raw->result = v;
    return CLI_OK;
}

static int ask(cli *c, const char *method, const mp_buf *p, rpc_resp *raw, json_t **res)
{
    int rc;
    if (opt_signed != NULL || opt_witnessed > 0) {
        mp_buf q;
        mp_buf_init(&q, RN_CONTROL_REQUEST_BYTES_MAX);
        options_append(method, p, &q);
        rc = cli_call(c, method, &q, raw);
        mp_buf_free(&q);
        if (rc == CLI_OK && opt_signed != NULL)
            rc = signed_unwrap(raw);
    } else {
        rc = cli_call(c, method, p, raw);
    }
    *res = NULL;
    if (rc != CLI_OK)
        return rc;
    *res = rpc_to_json(raw->result);
    if (*res == NULL)
        return cli_fail(CLI_ERROR, "%s: malformed result", method);
    return CLI_OK;
}

bool cli_recognition_recognises(json_t *recognition)
{
    const char *result = json_string_value(json_object_get(recognition, "result"));
    const char *outcome = json_string_value(json_object_get(recognition, "outcome"));
    int r = proto_result_parse(result);
    int o = outcome != NULL ? proto_enum_value_parse(PROTO_ENUM_OUTCOME, outcome) : RN_EENUM;
    return r > 0 && o > 0 && proto_answer_recognises((uint32_t)r, (uint32_t)o);
}

/* ECTS as rpc_to_json shows them (a decimal number) in text, or NULL when absent. */
static const char *ects_text(json_t *v, char out[16])
{
    if (!json_is_number(v))
        return NULL;
    rec_ects_format((uint32_t)(json_number_value(v) * 100 + 0.5), out);
    return out;
}

/* The timestamp of the ref under `key` of `o`, or "-". */
static const char *ref_time(json_t *o, const char *key)
{
    return js(json_object_get(o, key), "timestamp");
}

void cli_print_recognition(json_t *q, int w)
{
    json_t *basis = json_object_get(q, "basis"), *title = json_object_get(q, "spec_title"), *v;
    const char *lang, *status;
    char e[16];
    bool first = true;

    /* The spec and its provider, with their statuses as of the question's time. */
    json_object_foreach(title, lang, v)
    {
        cli_kv(w, first ? "title" : "", "%s (%s)", json_string_value(v), lang);
        first = false;
    }
    if (json_is_integer(json_object_get(q, "spec_eqf")))
        cli_kv(w, "spec level", "%s ECTS, EQF %lld",
               ects_text(json_object_get(q, "spec_ects"), e) ? e : "-", ji(q, "spec_eqf"));
    else
        cli_kv(w, "spec level", "%s ECTS, no EQF level",
               ects_text(json_object_get(q, "spec_ects"), e) ? e : "-");
    status = js(q, "spec_status");
    if (strcmp(status, "active") == 0)
        cli_kv(w, "spec status", "active");
    else
        cli_kv(w, "spec status",
               "%s (since its version of %s): no credential issued from then on is valid; the "
               "recognition below is for credentials issued while it was active",
               strcmp(status, "withdrawn") == 0 ? "WITHDRAWN" : status, ref_time(q, "spec"));
    status = js(q, "provider_status");
    if (strcmp(status, "active") == 0)
        cli_kv(w, "provider", "%s: %s (active)", js(q, "provider_id"), js(q, "provider_name"));
    else
        cli_kv(w, "provider", "%s: %s (%s since its version of %s)", js(q, "provider_id"),
               js(q, "provider_name"),
               strcmp(status, "suspended") == 0   ? "SUSPENDED"
               : strcmp(status, "withdrawn") == 0 ? "WITHDRAWN"
                                                  : status,
               ref_time(q, "provider"));

    /* The answer and its terms. */
    if (json_is_object(basis)) {
        cli_kv(w, "result", "%s: %s", js(q, "result"), js(q, "outcome"));
        cli_kv(w, "basis", "%s (seq %lld of %s, %s)", js(q, "basis_id"), ji(basis, "seq"),
               js(basis, "author"), js(basis, "timestamp"));
    } else {
        cli_kv(w, "result", "%s",
               strcmp(js(q, "result"), "no_decision") == 0 ? "no decision" : js(q, "result"));
    }
    bool has_ects = ects_text(json_object_get(q, "ects"), e) != NULL;
    bool has_eqf = json_is_integer(json_object_get(q, "eqf"));
    if (has_ects && has_eqf)
        cli_kv(w, "recognised", "%s ECTS, EQF %lld", e, ji(q, "eqf"));
    else if (has_ects)
        cli_kv(w, "recognised", "%s ECTS", e);
    else if (has_eqf)
        cli_kv(w, "recognised", "EQF %lld", ji(q, "eqf"));
    json_t *diffs = json_object_get(q, "differences"), *d;
    size_t i;
    json_array_foreach(diffs, i, d)
    {
        cli_kv(w, i == 0 ? "differences" : "", "%s: %s", js(d, "type"), js(d, "note"));
    }
    if (json_is_string(json_object_get(q, "conditions")))
        cli_kv(w, "conditions", "%s", js(q, "conditions"));
    if (json_is_string(json_object_get(q, "appeal")))
        cli_kv(w, "appeal", "%s", js(q, "appeal"));
    if (json_is_string(json_object_get(q, "valid_from")))
        cli_kv(w, "valid", "from %s %s%s", js(q, "valid_from"),
               json_is_string(json_object_get(q, "valid_until")) ? "until " : "(open-ended)",
               json_is_string(json_object_get(q, "valid_until")) ? js(q, "valid_until") : "");
    if (json_is_string(json_object_get(q, "supersedes")))
        cli_kv(w, "supersedes", "%s", js(q, "supersedes"));
    cli_kv(w, "forked", "%s%s", yes_no(json_is_true(json_object_get(q, "forked"))),
           json_is_true(json_object_get(q, "forked"))
               ? ": an author this answer rests on signed two entries at one seq"
               : "");
}

/* ", registered retroactively on 2026-01-02T00:00:00Z" when the verification says the record
 * under `key` of registered_retroactively was registered after the issue date, else "". */
static const char *retro_note(json_t *res, const char *key, char *buf, size_t cap)
{
    json_t *t = json_object_get(json_object_get(res, "registered_retroactively"), key);
    buf[0] = '\0';
    if (json_is_string(t))
        snprintf(buf, cap, ", registered retroactively on %s", json_string_value(t));
    return buf;
}

const char *cli_spec_says(json_t *res, char *buf, size_t cap)
{
    const char *r = js(res, "spec_reason");
    const char *t = ref_time(res, "spec_at_issue");
    char note[96];
    if (strcmp(r, "ok") == 0)
        snprintf(buf, cap, "active and valid at the issue date%s",
                 retro_note(res, "spec_registered", note, sizeof(note)));
    else if (strcmp(r, "unknown") == 0)
        snprintf(buf, cap, "NOT registered at the issue date");
    else if (strcmp(r, "withdrawn") == 0)
        snprintf(buf, cap, "WITHDRAWN at the issue date (its version of %s)", t);
    else if (strcmp(r, "not_yet_valid") == 0)
        snprintf(buf, cap, "NOT yet valid at the issue date (its version of %s)", t);
    else if (strcmp(r, "expired") == 0)
        snprintf(buf, cap, "EXPIRED by the issue date (its version of %s)", t);
    else
        snprintf(buf, cap, "%s at the issue date",
                 json_is_true(json_object_get(res, "spec_ok")) ? "active and valid"
                                                               : "NOT active and valid");
    return buf;
}

const char *cli_issuer_says(json_t *res, char *buf, size_t cap)
{
    const char *r = js(res, "issuer_reason"), *p = js(res, "issuer_provider_id");
    const char *t = ref_time(res, "issuer_provider");
    const char *not_key = "NOT a key of the spec's provider active at the issue date";
    char note[96];
    if (strcmp(r, "ok") == 0)
        snprintf(buf, cap, "the key was %s's, and %s active, at the issue date%s", p, p,
                 retro_note(res, "issuer_key_registered", note, sizeof(note)));
    else if (strcmp(r, "provider_suspended") == 0)
        snprintf(buf, cap, "provider %s was SUSPENDED at the issue date (its version of %s)", p, t);
    else if (strcmp(r, "provider_withdrawn") == 0)
        snprintf(buf, cap, "provider %s was WITHDRAWN at the issue date (its version of %s)", p, t);
    else if (strcmp(r, "provider_unknown") == 0)
        snprintf(buf, cap, "%s: provider %s was not registered then", not_key, p);
    else if (strcmp(r, "key_unknown") == 0)
        snprintf(buf, cap, "%s: %s did not list it then", not_key, p);
    else if (strcmp(r, "key_not_yet_valid") == 0)
        snprintf(buf, cap, "%s: %s listed it as valid only from a later date", not_key, p);
    else if (strcmp(r, "key_expired") == 0)
        snprintf(buf, cap, "%s: its validity as a key of %s had ended", not_key, p);
    else
        snprintf(buf, cap, "%s",
                 json_is_true(json_object_get(res, "issuer_ok"))
                     ? "the key was the provider's, and the provider active, at the issue date"
                     : "NOT a key of an active provider at the issue date");
    return buf;
}

/* Removes the proof from a result shown as JSON, keeping its size. */
static void drop_proof(json_t *res, const rpc_resp *raw)
{
    mp_cur v;
    const uint8_t *b;
    uint32_t n = 0;
    if (rpc_map_get(raw->result, "proof", &v) && mp_read_bin(&v, &b, &n) == 0)
        json_object_set_new(res, "proof_bytes", json_integer(n));
    json_object_del(res, "proof");
}

/* ---- recognise and proof get ---- */

static int recognise(cli *c, const cli_cmd *cmd, cli_args *a, const char *save)
{
    mp_buf p;
    rpc_resp raw;
    json_t *res = NULL;
    int rc;
    memset(&raw, 0, sizeof(raw));
    if ((rc = query_options_take(cmd, a)) != CLI_OK)
        return rc;
    mp_buf_init(&p, 1024);
    mp_put_array(&p, 5);
    if ((rc = put_question(cmd, a->pos[0], a->pos[1], a->pos[2], &p)) != 0 ||
        (rc = put_at(cmd, a, &p)) != 0 || (rc = put_valid_at(cmd, a, &p)) != 0)
        goto out;
    rc = ask(c, CTL_RECOGNISE, &p, &raw, &res);
    if (rc != CLI_OK)
        goto out;
    if (save != NULL) {
        mp_cur v;
        const uint8_t *b;
        uint32_t n;
        FILE *f;
        if (!rpc_map_get(raw.result, "proof", &v) || mp_read_bin(&v, &b, &n) < 0) {
            rc = cli_fail(CLI_ERROR, "recognise: no proof in the result");
            goto out;
        }
        f = fopen(save, "wb");
        if (f == NULL || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
            rc = cli_fail(CLI_ERROR, "cannot write %s", save);
            goto out;
        }
    }
    if (c->json) {
        drop_proof(res, &raw);
        if (save != NULL)
            json_object_set_new(res, "saved", json_string(save));
        cli_json_print(res);
    } else {
        cli_kv(CLI_ANSWER_WIDTH, "spec", "%s", a->pos[0]);
        cli_kv(CLI_ANSWER_WIDTH, "country", "%s", country_arg(a->pos[1]));
        cli_kv(CLI_ANSWER_WIDTH, "purpose", "%s", a->pos[2]);
        cli_kv(CLI_ANSWER_WIDTH, "at", "%s", js(res, "at"));
        print_valid_at(res, CLI_ANSWER_WIDTH);
        cli_print_recognition(res, CLI_ANSWER_WIDTH);
        if (save != NULL)
            cli_kv(CLI_ANSWER_WIDTH, "proof",
                   "saved to %s; check it with recnetctl proof verify %s --roster "
                   "ROSTER",
                   save, save);
    }
    /* proof get succeeds when the bundle is saved, whatever the answer. */
    rc = save != NULL || cli_recognition_recognises(res) ? CLI_OK : CLI_NEGATIVE;
out:
    json_decref(res);
    rpc_resp_free(&raw);
    mp_buf_free(&p);
    return rc;
}

int cmd_recognise(cli *c, const cli_cmd *cmd, cli_args *a)
{
    return recognise(c, cmd, a, NULL);
}

int cmd_proof_get(cli *c, const cli_cmd *cmd, cli_args *a)
{
    const char *out = cli_optval(cmd, a, "output");
    if (out == NULL)
        return cli_usage(cmd, "-o FILE: where to save the bundle");
    return recognise(c, cmd, a, out);
}

/* ---- search ---- */

typedef struct search_opt {
    const char *opt; /* the command line option */
    const char *key; /* the filter key */
    char form;       /* 's' string, 'c' country, 'e' EQF level, 'x' ECTS */
} search_opt;

static const search_opt search_opts[] = {
    { "country", "country", 'c' }, { "provider", "provider", 's' }, { "eqf-min", "eqf_min", 'e' },
    { "eqf-max", "eqf_max", 'e' }, { "isced", "isced", 's' },       { "ects-min", "ects_min", 'x' },
    { "text", "text", 's' },
};

int cmd_search(cli *c, const cli_cmd *cmd, cli_args *a)
{
    mp_buf p;
    rpc_resp raw;
    json_t *res = NULL;
    uint32_t given = 0;
    int rc = 0;
    const size_t nopts = sizeof(search_opts) / sizeof(search_opts[0]);
    memset(&raw, 0, sizeof(raw));
    if ((rc = query_options_take(cmd, a)) != CLI_OK)
        return rc;
    mp_buf_init(&p, 4096);
    for (size_t i = 0; i < nopts; i++)
        given += cli_optval(cmd, a, search_opts[i].opt) != NULL ? 1u : 0u;
    mp_put_array(&p, 5);
    mp_put_map(&p, given);
    for (size_t i = 0; i < nopts; i++) {
        const search_opt *o = &search_opts[i];
        const char *v = cli_optval(cmd, a, o->opt);
        if (v == NULL)
            continue;
        mp_put_cstr(&p, o->key);
        if (o->form == 's') {
            mp_put_cstr(&p, v);
        } else if (o->form == 'c') {
            const char *cc = country_arg(v);
            if (cc == NULL) {
                rc = cli_usage(cmd, "--country %s: not one of the 30 country codes", v);
                goto out;
            }
            mp_put_cstr(&p, cc);
        } else if (o->form == 'e') {
            if (strlen(v) != 1 || v[0] < '1' || v[0] > '8') {
                rc = cli_usage(cmd, "--%s: an EQF level is 1 to 8", o->opt);
                goto out;
            }
            mp_put_uint(&p, (uint64_t)(v[0] - '0'));
        } else {
            uint32_t centi;
            if (rec_ects_parse(v, strlen(v), &centi) < 0) {
                rc = cli_usage(cmd, "--ects-min: expected ECTS like 2.5");
                goto out;
            }
            mp_put_uint(&p, centi);
        }
    }
    if ((rc = put_at(cmd, a, &p)) != 0)
        goto out;
    const char *after = cli_optval(cmd, a, "after"), *limit = cli_optval(cmd, a, "limit");
    if (after != NULL)
        mp_put_cstr(&p, after);
    else
        mp_put_nil(&p);
    if (limit != NULL) {
        char *end;
        unsigned long long l = limit[0] >= '0' && limit[0] <= '9' ? strtoull(limit, &end, 10) : 0;
        if (l == 0 || l > RN_SEARCH_RESULTS_MAX || *end != '\0') {
            rc = cli_usage(cmd, "--limit: 1 to %u", (unsigned)RN_SEARCH_RESULTS_MAX);
            goto out;
        }
        mp_put_uint(&p, l);
    } else {
        mp_put_nil(&p);
    }
    if ((rc = put_valid_at(cmd, a, &p)) != 0)
        goto out;
    rc = ask(c, CTL_SEARCH, &p, &raw, &res);
    if (rc != CLI_OK)
        goto out;
    json_t *hits = json_object_get(res, "hits"), *h;
    size_t i;
    if (c->json) {
        cli_json_print(res);
    } else {
        cli_table t;
        char ects[16], eqf[8], prov[2 * RN_NAME_BYTES_MAX];
        cli_table_init(&t, 5);
        cli_table_row(&t, "SPEC", "TITLE", "ECTS", "EQF", "PROVIDER");
        json_array_foreach(hits, i, h)
        {
            const char *st = js(h, "provider_status");
            if (json_is_integer(json_object_get(h, "eqf")))
                snprintf(eqf, sizeof(eqf), "%lld", ji(h, "eqf"));
            else
                snprintf(eqf, sizeof(eqf), "-");
            snprintf(prov, sizeof(prov), "%s (%s)%s%s%s", js(h, "provider_name"),
                     js(h, "provider_id"), strcmp(st, "active") == 0 ? "" : " [",
                     strcmp(st, "active") == 0 ? "" : st, strcmp(st, "active") == 0 ? "" : "]");
            cli_table_row(&t, js(h, "spec_id"), js(h, "title"),
                          ects_text(json_object_get(h, "ects"), ects) ? ects : "-", eqf, prov);
        }
        if (json_array_size(hits) > 0)
            cli_table_print(&t);
        else
            printf("no spec matches\n");
        cli_table_free(&t);
        if (json_is_true(json_object_get(res, "more")))
            printf("more: --after %s\n",
                   js(json_array_get(hits, json_array_size(hits) - 1), "spec_id"));
    }
    rc = json_array_size(hits) > 0 ? CLI_OK : CLI_NEGATIVE;
out:
    json_decref(res);
    rpc_resp_free(&raw);
    mp_buf_free(&p);
    return rc;
}

/* ---- verify ---- */

int cmd_verify(cli *c, const cli_cmd *cmd, cli_args *a)
{
    const char *spec = cli_optval(cmd, a, "spec"), *key = cli_optval(cmd, a, "issuer-key"),
               *issued = cli_optval(cmd, a, "issued-at"), *cred = cli_optval(cmd, a, "credential");
    uint8_t pk[PROTO_KEY_BYTES], digest[PROTO_DIGEST_BYTES];
    uint64_t issued_at;
    mp_buf p;
    rpc_resp raw;
    json_t *res = NULL;
    int rc;
    memset(&raw, 0, sizeof(raw));
    if ((rc = query_options_take(cmd, a)) != CLI_OK)
        return rc;
    mp_buf_init(&p, 1024);
    if (spec == NULL || key == NULL || issued == NULL || cred == NULL) {
        rc = cli_usage(cmd, "--spec, --issuer-key, --issued-at and --credential are required");
        goto out;
    }
    if (proto_key_text_parse(key, strlen(key), pk) < 0) {
        rc = cli_usage(cmd, "--issuer-key: expected a key rn1:...");
        goto out;
    }
    if (rec_time_parse(issued, strlen(issued), &issued_at) < 0) {
        rc = cli_usage(cmd, "--issued-at: expected a date or a datetime with its zone");
        goto out;
    }
    if (strlen(cred) != 2 * PROTO_DIGEST_BYTES) {
        rc = cli_usage(cmd, "--credential: expected 64 hex digits");
        goto out;
    }
    for (size_t i = 0; i < PROTO_DIGEST_BYTES; i++) {
        char pair[3] = { cred[2 * i], cred[2 * i + 1], 0 };
        char *end;
        unsigned long v = strtoul(pair, &end, 16);
        if (*end != '\0' || pair[0] == '+' || pair[0] == '-' || pair[0] == ' ') {
            rc = cli_usage(cmd, "--credential: expected 64 hex digits");
            goto out;
        }
        digest[i] = (uint8_t)v;
    }
    mp_put_array(&p, 5);
    mp_put_map(&p, 4);
    mp_put_cstr(&p, "spec");
    mp_put_cstr(&p, spec);
    mp_put_cstr(&p, "issuer_key");
    mp_put_bin(&p, pk, sizeof(pk));
    mp_put_cstr(&p, "issued_at");
    mp_put_uint(&p, issued_at);
    mp_put_cstr(&p, "credential");
    mp_put_bin(&p, digest, sizeof(digest));
    const char *cc = country_arg(a->pos[0]);
    if (cc == NULL) {
        rc = cli_usage(cmd, "%s: not one of the 30 country codes", a->pos[0]);
        goto out;
    }
    if (purpose_arg(a->pos[1]) < 0) {
        rc = cli_usage(cmd, "%s: the purpose is further_study, employment or both", a->pos[1]);
        goto out;
    }
    mp_put_cstr(&p, cc);
    mp_put_cstr(&p, a->pos[1]);
    if ((rc = put_at(cmd, a, &p)) != 0 || (rc = put_valid_at(cmd, a, &p)) != 0)
        goto out;
    rc = ask(c, CTL_VERIFY, &p, &raw, &res);
    if (rc != CLI_OK)
        goto out;
    json_t *rec = json_object_get(res, "recognition");
    bool valid = json_is_true(json_object_get(res, "valid"));
    if (c->json) {
        drop_proof(res, &raw);
        cli_json_print(res);
    } else {
        json_t *rv = json_object_get(res, "revocation");
        char says[512];
        const int w = CLI_ANSWER_WIDTH;
        cli_kv(w, "valid", "%s", yes_no(valid));
        cli_kv(w, "spec", "%s: %s", spec, cli_spec_says(res, says, sizeof(says)));
        cli_kv(w, "issuer", "%s", cli_issuer_says(res, says, sizeof(says)));
        if (json_is_object(rv))
            cli_kv(w, "revoked", "yes (seq %lld of %s, %s)", ji(rv, "seq"), js(rv, "author"),
                   js(rv, "timestamp"));
        else
            cli_kv(w, "revoked", "no");
        cli_kv(w, "country", "%s", cc);
        cli_kv(w, "at", "%s", js(res, "at"));
        print_valid_at(res, w);
        cli_print_recognition(rec, w);
    }
    rc = valid && cli_recognition_recognises(rec) ? CLI_OK : CLI_NEGATIVE;
out:
    json_decref(res);
    rpc_resp_free(&raw);
    mp_buf_free(&p);
    return rc;
}

/* ---- stack ---- */

/* ---- matrix ---- */

/* One cell: "decision partial", "policy full", "none". */
static void matrix_cell(json_t *rec, char *out, size_t cap)
{
    const char *r = json_string_value(json_object_get(rec, "result"));
    const char *o = json_string_value(json_object_get(rec, "outcome"));
    snprintf(out, cap, "%s%s%s", r != NULL ? r : "-", o != NULL ? " " : "", o != NULL ? o : "");
}

int cmd_matrix(cli *c, const cli_cmd *cmd, cli_args *a)
{
    mp_buf p;
    rpc_resp raw;
    json_t *res = NULL;
    int rc;
    memset(&raw, 0, sizeof(raw));
    if ((rc = query_options_take(cmd, a)) != CLI_OK)
        return rc;
    mp_buf_init(&p, 1024);
    mp_put_array(&p, 3);
    mp_put_cstr(&p, a->pos[0]);
    if ((rc = put_at(cmd, a, &p)) != 0 || (rc = put_valid_at(cmd, a, &p)) != 0)
        goto out;
    rc = ask(c, CTL_MATRIX, &p, &raw, &res);
    if (rc != CLI_OK)
        goto out;
    if (c->json) {
        cli_json_print(res);
    } else {
        cli_table t;
        const char *cc;
        json_t *row;
        char f[64], e[64], b[64];
        cli_table_init(&t, 4);
        cli_table_row(&t, "COUNTRY", "FURTHER_STUDY", "EMPLOYMENT", "BOTH");
        json_object_foreach(json_object_get(res, "countries"), cc, row)
        {
            matrix_cell(json_object_get(row, "further_study"), f, sizeof(f));
            matrix_cell(json_object_get(row, "employment"), e, sizeof(e));
            matrix_cell(json_object_get(row, "both"), b, sizeof(b));
            cli_table_row(&t, cc, f, e, b);
        }
        cli_kv(CLI_ANSWER_WIDTH, "spec", "%s", a->pos[0]);
        cli_kv(CLI_ANSWER_WIDTH, "at", "%s", js(res, "at"));
        print_valid_at(res, CLI_ANSWER_WIDTH);
        putchar('\n');
        cli_table_print(&t);
        cli_table_free(&t);
    }
    rc = CLI_OK;
out:
    json_decref(res);
    rpc_resp_free(&raw);
    mp_buf_free(&p);
    return rc;
}

int cmd_stack(cli *c, const cli_cmd *cmd, cli_args *a)
{
    mp_buf p;
    rpc_resp raw;
    json_t *res = NULL;
    int rc;
    const char *cc = country_arg(a->pos[0]);
    memset(&raw, 0, sizeof(raw));
    if ((rc = query_options_take(cmd, a)) != CLI_OK)
        return rc;
    mp_buf_init(&p, 16384);
    if (cc == NULL) {
        rc = cli_usage(cmd, "%s: not one of the 30 country codes", a->pos[0]);
        goto out;
    }
    mp_put_array(&p, 5);
    mp_put_cstr(&p, cc);
    mp_put_cstr(&p, a->pos[1]);
    mp_put_array(&p, a->pos_n - 2);
    for (unsigned i = 2; i < a->pos_n; i++)
        mp_put_cstr(&p, a->pos[i]);
    if ((rc = put_at(cmd, a, &p)) != 0 || (rc = put_valid_at(cmd, a, &p)) != 0)
        goto out;
    rc = ask(c, CTL_STACK, &p, &raw, &res);
    if (rc != CLI_OK)
        goto out;
    bool complete = json_is_true(json_object_get(res, "complete"));
    if (c->json) {
        cli_json_print(res);
    } else {
        json_t *pw = json_object_get(res, "pathway"), *items = json_object_get(res, "items"), *it;
        json_t *missing = json_object_get(res, "missing"), *m;
        size_t i;
        char ects[16], total[16], min[16];
        cli_table t;
        rec_ects_format(
            (uint32_t)(json_number_value(json_object_get(res, "total_ects")) * 100 + 0.5), total);
        rec_ects_format((uint32_t)(json_number_value(json_object_get(res, "ects_min")) * 100 + 0.5),
                        min);
        cli_kv(8, "pathway", "%s of %s (seq %lld of %s)", a->pos[1], cc, ji(pw, "seq"),
               js(pw, "author"));
        cli_kv(8, "active", "%s", yes_no(json_is_true(json_object_get(res, "active"))));
        cli_kv(8, "ects", "%s of %s needed", total, min);
        cli_kv(8, "complete", "%s", yes_no(complete));
        json_array_foreach(missing, i, m)
        {
            cli_kv(8, i == 0 ? "missing" : "", "%s", json_string_value(m));
        }
        cli_table_init(&t, 4);
        cli_table_row(&t, "SPEC", "STATUS", "COUNTED", "ECTS");
        json_array_foreach(items, i, it)
        {
            rec_ects_format((uint32_t)(json_number_value(json_object_get(it, "ects")) * 100 + 0.5),
                            ects);
            const char *counted = json_is_true(json_object_get(it, "duplicate"))
                                      ? "duplicate"
                                      : yes_no(json_is_true(json_object_get(it, "counted")));
            cli_table_row(&t, js(it, "spec_id"), js(it, "status"), counted, ects);
        }
        putchar('\n');
        cli_table_print(&t);
        cli_table_free(&t);
    }
    rc = complete ? CLI_OK : CLI_NEGATIVE;
out:
    json_decref(res);
    rpc_resp_free(&raw);
    mp_buf_free(&p);
    return rc;
}

/* ---- spec show, provider show ---- */

/* A JSON value on one line: strings as they are, numbers, booleans, and lists of them joined
 * with ", " (nested objects as compact JSON). Returns a malloc'd string or NULL. */
static char *value_text(json_t *v)
{
    if (json_is_string(v))
        return strdup(json_string_value(v));
    if (json_is_array(v)) {
        size_t i, len = 0;
        json_t *x;
        char *out = calloc(1, 1);
        json_array_foreach(v, i, x)
        {
            char *t = value_text(x);
            char *grown = t != NULL && out != NULL ? realloc(out, len + strlen(t) + 3) : NULL;
            if (grown == NULL) {
                free(t);
                free(out);
                return NULL;
            }
            out = grown;
            len += (size_t)snprintf(out + len, strlen(t) + 3, "%s%s", i > 0 ? ", " : "", t);
            free(t);
        }
        return out;
    }
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(6));
}

/* Prints every field of a record as JSON (rec_to_json), for people: one line a field, a title
 * one line a language, and a list of objects (issuer keys, outcomes) as a table. */
static void print_record_fields(json_t *rec, int w)
{
    const char *key;
    json_t *v;
    json_object_foreach(rec, key, v)
    {
        if (json_is_null(v))
            continue;
        if (json_is_object(v)) {
            const char *sub;
            json_t *x;
            bool first = true;
            json_object_foreach(v, sub, x)
            {
                char *t = value_text(x);
                cli_kv(w, first ? key : "", "%s: %s", sub, t != NULL ? t : "?");
                free(t);
                first = false;
            }
            continue;
        }
        if (json_is_array(v) && json_is_object(json_array_get(v, 0))) {
            /* A table whose columns are the keys of the list's objects, in first-seen order. */
            const char *cols[CLI_TABLE_COLS];
            unsigned ncols = 0;
            size_t i;
            json_t *o;
            json_array_foreach(v, i, o)
            {
                const char *k;
                json_t *x;
                json_object_foreach(o, k, x)
                {
                    unsigned c = 0;
                    while (c < ncols && strcmp(cols[c], k) != 0)
                        c++;
                    if (c == ncols && ncols < CLI_TABLE_COLS)
                        cols[ncols++] = k;
                }
            }
            printf("%s:\n", key);
            cli_table t;
            cli_table_init(&t, ncols);
            char *cells[CLI_TABLE_COLS];
            for (unsigned c = 0; c < ncols; c++) {
                cells[c] = strdup(cols[c]);
                for (char *p = cells[c]; p != NULL && *p != '\0'; p++)
                    *p = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
            }
            for (size_t row = 0; row <= json_array_size(v); row++) {
                if (row > 0) {
                    for (unsigned c = 0; c < ncols; c++) {
                        free(cells[c]);
                        json_t *x = json_object_get(json_array_get(v, row - 1), cols[c]);
                        cells[c] = x == NULL || json_is_null(x) ? strdup("-") : value_text(x);
                    }
                }
                /* cli_table_row takes exactly `cols` strings. */
                cli_table_row(&t, cells[0], ncols > 1 ? cells[1] : NULL,
                              ncols > 2 ? cells[2] : NULL, ncols > 3 ? cells[3] : NULL,
                              ncols > 4 ? cells[4] : NULL, ncols > 5 ? cells[5] : NULL,
                              ncols > 6 ? cells[6] : NULL, ncols > 7 ? cells[7] : NULL);
            }
            for (unsigned c = 0; c < ncols; c++)
                free(cells[c]);
            cli_table_print(&t);
            cli_table_free(&t);
            continue;
        }
        char *t = value_text(v);
        cli_kv(w, key, "%s", t != NULL ? t : "?");
        free(t);
    }
}

/* spec show / provider show: one record as of --at, every field. */
int cmd_record_show(cli *c, const cli_cmd *cmd, cli_args *a)
{
    const char *id = a->pos[0], *at_s = cli_optval(cmd, a, "at");
    uint64_t at = UINT64_MAX;
    uint8_t *buf = NULL;
    proto_entry e;
    proto_record *rec;
    rec_err err;
    int rc;
    if (proto_id_check((const uint8_t *)id, strlen(id)) < 0)
        return cli_usage(cmd, "%s: expected an id CC:reference", id);
    if (at_s != NULL && rec_time_parse(at_s, strlen(at_s), &at) < 0)
        return cli_usage(cmd, "--at: expected a date (2024-09-01), a datetime with its zone "
                              "(2024-09-01T10:30:00Z) or ms since the epoch");
    rec = malloc(sizeof(*rec));
    if (rec == NULL)
        return cli_fail(CLI_ERROR, "out of memory");
    rc = cli_record_get(c, cmd->kind, id, at, &buf, &e, rec);
    if (rc == CLI_NEGATIVE) {
        if (c->json) {
            json_t *o = json_object();
            json_object_set_new(o, "found", json_false());
            cli_json_print(o);
            json_decref(o);
        } else {
            printf("no %s %s%s%s\n", proto_kind_name((int)cmd->kind), id,
                   at_s != NULL ? " as of " : "", at_s != NULL ? at_s : "");
        }
        goto out;
    }
    if (rc != CLI_OK)
        goto out;
    json_t *o = rec_entry_to_json(buf, e.len, &err);
    if (o == NULL) {
        char msg[256];
        rc = cli_fail(CLI_ERROR, "record: %s", rec_err_format(&err, msg, sizeof(msg)));
        goto out;
    }
    if (c->json) {
        cli_json_print(o);
    } else {
        const int w = 19;
        cli_kv(w, "kind", "%s", js(o, "kind"));
        cli_kv(w, "entry", "seq %lld of %s, %s", ji(o, "seq"), js(o, "author"), js(o, "timestamp"));
        cli_kv(w, "as of", "%s", at_s != NULL ? at_s : "now");
        putchar('\n');
        print_record_fields(json_object_get(o, "record"), w);
    }
    json_decref(o);
out:
    free(buf);
    free(rec);
    return rc;
}

/* ---- proof verify ---- */

/* Loads a roster: the federation's roster file (INI), or its canonical MessagePack encoding
 * (cli.h). */
int cli_roster_load(const char *path, proto_roster *out, nodeconf_roster *file)
{
    uint8_t *buf;
    size_t len;
    char why[NODECONF_ERR_MAX];
    rn_diag d;
    memset(&d, 0, sizeof(d));
    int rc = cli_read_file(path, (size_t)RN_ROSTER_MEMBERS_MAX * 64u + 16u, &buf, &len, why,
                           sizeof(why));
    bool encoded = rc == 0 && len > 0 &&
                   (buf[0] == 0xdc || buf[0] == 0xdd || (buf[0] >= 0x90 && buf[0] <= 0x9f));
    if (rc == 0 && encoded) {
        rc = proto_roster_init(out, RN_ROSTER_MEMBERS_MAX);
        if (rc == 0)
            rc = proto_roster_decode(out, buf, len, &d);
        free(buf);
        if (rc < 0) {
            char msg[128];
            proto_roster_free(out);
            return cli_fail(CLI_REFUSED, "%s: %s", path, rn_diag_format(&d, msg, sizeof(msg)));
        }
        return CLI_OK;
    }
    free(buf);
    /* A text roster file (also when it was too large to be an encoded one). */
    rc = nodeconf_roster_load(file, path, why, sizeof(why));
    if (rc == RN_EIO)
        return cli_fail(CLI_ERROR, "%s", why);
    if (rc < 0)
        return cli_fail(CLI_REFUSED, "%s", why);
    *out = file->roster;
    return CLI_OK;
}

/* proof verify --witnesses N --max-age D (PROTOCOL.md 5.5): what the verifier asks of a
 * witnessed bundle. Parses the options into *req (*asked false when neither is given); after
 * proto_proof_verify (`vr`), checks the bundle's checkpoints against them and adds "witnessed" to
 * `o`: the checkpoints, the witnesses asked and the bundle's freshness. Formats the diagnostic
 * of a failure into msg, "checkpoint N: ..." for one checkpoint at fault. Returns the verdict. */
static int proof_witness_opts(const cli_cmd *cmd, const cli_args *a, proto_witness_req *req,
                              bool *asked)
{
    const char *w = cli_optval(cmd, a, "witnesses"), *age = cli_optval(cmd, a, "max-age");
    *req = (proto_witness_req){ .witnesses = 0, .max_age_ms = UINT64_MAX };
    *asked = w != NULL || age != NULL;
    if (w != NULL) {
        char *end;
        unsigned long n = strtoul(w, &end, 10);
        if (w[0] < '0' || w[0] > '9' || *end != '\0' || n > RN_CHECKPOINT_COSIGS_MAX)
            return cli_usage(cmd, "--witnesses N: 0 to %u", RN_CHECKPOINT_COSIGS_MAX);
        req->witnesses = (uint32_t)n;
    }
    if (age != NULL && cli_duration_parse(age, &req->max_age_ms) < 0)
        return cli_usage(cmd, "--max-age D: a duration such as 90s, 10m, 1h or 7d");
    req->now_ms = rec_now_ms();
    return CLI_OK;
}

static int proof_witness_check(const proto_proof *pf, const proto_roster *roster,
                               const proto_witness_req *req, bool asked, int vr, rn_diag *d,
                               char *msg, size_t cap, json_t *o)
{
    uint64_t fresh = 0;
    if (vr == 0 && (asked || pf->version == PROTO_PROOF_VERSION_WITNESSED))
        vr = proto_proof_checkpoints_check(pf, roster, asked ? req : NULL, &fresh, d);
    if (vr < 0 && d->field != NULL && strncmp(d->field, "checkpoint.", 11) == 0)
        snprintf(msg, cap, "checkpoint %u: %s: %s", d->index, d->field, rn_strerror(d->code));
    else
        proto_proof_diag_format(d, msg, cap);
    if (vr == 0 && pf->version == PROTO_PROOF_VERSION_WITNESSED) {
        char t[REC_TIME_BYTES];
        json_t *w = json_object();
        rec_time_format(fresh, t);
        json_object_set_new(w, "checkpoints", json_integer((json_int_t)pf->checkpoints_n));
        json_object_set_new(w, "witnesses", json_integer((json_int_t)req->witnesses));
        json_object_set_new(w, "as_of", json_string(t));
        if (req->now_ms >= fresh)
            json_object_set_new(w, "age_s",
                                json_integer((json_int_t)((req->now_ms - fresh) / 1000u)));
        json_object_set_new(o, "witnessed", w);
    }
    return vr;
}

/*
 * proof verify --genesis G [--change C]...: the author table of the governed roster G and its
 * changes in version order (PROTOCOL.md 4.4), each verified as `roster verify` does, so that a
 * bundle is checked against the roster of every version (5.4). The repeated --change arrives as
 * the command's extra flags (the parser keeps one value per option); any other extra flag is
 * refused. Writes the table to `out` and a description of the chain to `what`. Returns CLI_OK,
 * CLI_USAGE, CLI_REFUSED (a genesis or change that does not decode or apply), CLI_ERROR.
 */
static int proof_chain_load(const cli_cmd *cmd, const cli_args *a, const char *gpath,
                            proto_authors *out, proto_roster *members, char *what, size_t what_len)
{
    proto_rosterchain ch;
    uint8_t *buf = NULL;
    size_t len;
    char why[512], msg[160];
    rn_diag d;
    int rc;
    for (unsigned i = 0; i < a->extra_n; i++) {
        const char *n = a->extra_name[i];
        if (strncmp(n, "change", 6) != 0 || (n[6] != '\0' && n[6] != '='))
            return cli_usage(cmd, "unknown option --%s", n);
    }
    memset(&d, 0, sizeof(d));
    if (cli_read_file(gpath, RN_ROSTERCHAIN_GENESIS_BYTES_MAX, &buf, &len, why, sizeof(why)) < 0)
        return cli_fail(CLI_ERROR, "%s", why);
    rc = proto_rosterchain_init(&ch, buf, len, &d);
    free(buf);
    if (rc < 0)
        return cli_fail_rn(CLI_REFUSED, rc, d.field, -1, "%s: not a genesis roster: %s", gpath,
                           rn_diag_format(&d, msg, sizeof(msg)));
    for (unsigned i = 0; i < a->extra_n; i++) {
        const char *path = a->extra_name[i][6] == '=' ? a->extra_name[i] + 7 : a->extra_val[i];
        buf = NULL;
        memset(&d, 0, sizeof(d));
        if (cli_read_file(path, RN_ROSTERCHAIN_CHANGE_BYTES_MAX, &buf, &len, why, sizeof(why)) <
            0) {
            proto_rosterchain_free(&ch);
            return cli_fail(CLI_ERROR, "%s", why);
        }
        rc = proto_rosterchain_apply_bytes(&ch, buf, len, &d);
        free(buf);
        if (rc < 0) {
            proto_rosterchain_free(&ch);
            return cli_fail_rn(CLI_REFUSED, rc, d.field, d.index > 0 ? (long)d.index - 1 : -1,
                               "%s (version %u): does not verify: %s", path, i + 2u,
                               rn_diag_format(&d, msg, sizeof(msg)));
        }
    }
    rc = proto_authors_build(out, &ch);
    if (rc == 0)
        rc = proto_roster_init(members, RN_ROSTER_MEMBERS_MAX);
    if (rc == 0) /* the roster checkpoints are verified against: the current one */
        rc = proto_roster_copy(members, &ch.current);
    snprintf(what, what_len, "the governed roster %s at version %llu", gpath,
             (unsigned long long)proto_rosterchain_version(&ch));
    proto_rosterchain_free(&ch);
    if (rc < 0)
        return cli_fail(CLI_ERROR, "out of memory");
    return CLI_OK;
}

int cmd_proof_verify(cli *c, const cli_cmd *cmd, cli_args *a)
{
    const char *rpath = cli_optval(cmd, a, "roster");
    const char *gpath = cli_optval(cmd, a, "genesis");
    nodeconf_roster file;
    proto_roster roster;
    proto_authors authors;
    proto_proof *pf = NULL;
    uint8_t *buf = NULL;
    size_t len;
    char why[512], msg[160], against[CLI_PATH_BYTES + 64];
    rn_diag d;
    bool own_roster = false;
    int rc;
    memset(&file, 0, sizeof(file));
    memset(&roster, 0, sizeof(roster));
    memset(&authors, 0, sizeof(authors));
    memset(&d, 0, sizeof(d));
    if ((rpath == NULL) == (gpath == NULL))
        return cli_usage(cmd, "--roster ROSTER (the federation's roster file) or --genesis "
                              "GENESIS [--change CHANGE]... (its governed roster), one of them");
    if (gpath == NULL && a->extra_n > 0)
        return cli_usage(cmd, "--%s: only with --genesis", a->extra_name[0]);
    proto_witness_req wreq;
    bool wasked;
    rc = proof_witness_opts(cmd, a, &wreq, &wasked);
    if (rc != CLI_OK)
        return rc;
    if (gpath != NULL) {
        rc = proof_chain_load(cmd, a, gpath, &authors, &roster, against, sizeof(against));
    } else {
        rc = cli_roster_load(rpath, &roster, &file);
        if (rc == CLI_OK && proto_authors_from_roster(&authors, &roster) < 0)
            rc = cli_fail(CLI_ERROR, "out of memory");
        snprintf(against, sizeof(against), "%s", rpath);
    }
    own_roster = file.count == 0;
    if (rc != CLI_OK)
        goto out;
    if (cli_read_file(a->pos[0], RN_PROOF_WITNESSED_BYTES_MAX, &buf, &len, why, sizeof(why)) < 0) {
        rc = cli_fail(CLI_ERROR, "%s", why);
        goto out;
    }
    pf = calloc(1, sizeof(*pf));
    if (pf == NULL) {
        rc = cli_fail(CLI_ERROR, "out of memory");
        goto out;
    }
    int vr = proto_proof_verify_authors(buf, len, &authors, &roster, pf, &d);
    bool decoded = vr == 0 || proto_proof_decode(pf, buf, len, NULL) == 0;
    json_t *o = json_object();
    /* Entry positions 1-based, as PROTOCOL.md section 5.4 counts them ("entry 3: ..."). */
    vr = proof_witness_check(pf, &roster, &wreq, wasked, vr, &d, msg, sizeof(msg), o);
    json_object_set_new(o, "verified", json_boolean(vr == 0));
    if (vr < 0) {
        bool at_cp = d.field != NULL && strncmp(d.field, "checkpoint.", 11) == 0;
        json_object_set_new(o, "error", json_string(rn_err_name(vr)));
        json_object_set_new(o, "reason", json_string(msg));
        if (d.index > 0)
            json_object_set_new(o, at_cp ? "checkpoint" : "entry",
                                json_integer((json_int_t)d.index));
    }
    if (decoded) {
        char t[REC_TIME_BYTES], hex[2 * PROTO_DIGEST_BYTES + 1], key[PROTO_KEY_TEXT_LEN + 1];
        json_t *q = json_object(), *an = json_object(), *es = json_array();
        json_object_set_new(q, "spec",
                            json_stringn((const char *)pf->query.spec.ptr, pf->query.spec.len));
        json_object_set_new(
            q, "country", json_stringn((const char *)pf->query.country.ptr, pf->query.country.len));
        json_object_set_new(
            q, "purpose",
            json_string(proto_enum_value_name(PROTO_ENUM_PURPOSE, pf->query.purpose)));
        rec_time_format(pf->query.at_ms, t);
        json_object_set_new(q, "at", json_string(t));
        if (pf->query.credential != NULL) {
            rec_hex(pf->query.credential, PROTO_DIGEST_BYTES, hex);
            json_object_set_new(q, "credential", json_string(hex));
        }
        json_object_set_new(an, "result", json_string(proto_result_name((int)pf->answer.result)));
        if (pf->answer.outcome != 0)
            json_object_set_new(
                an, "outcome",
                json_string(proto_enum_value_name(PROTO_ENUM_OUTCOME, pf->answer.outcome)));
        if (pf->answer.basis_author != NULL) {
            proto_key_text_format(pf->answer.basis_author, key);
            json_object_set_new(an, "basis_author", json_string(key));
            json_object_set_new(an, "basis_seq", json_integer((json_int_t)pf->answer.basis_seq));
        }
        json_object_set_new(an, "forked", json_boolean(pf->answer.forked));
        if (pf->answer.has_revoked)
            json_object_set_new(an, "revoked", json_boolean(pf->answer.revoked));
        for (uint32_t i = 0; i < pf->entries_n; i++) {
            rec_err e;
            json_t *en = rec_entry_to_json(pf->entries[i].ptr, pf->entries[i].len, &e);
            if (en != NULL) {
                proto_entry pe;
                if (proto_entry_decode(&pe, pf->entries[i].ptr, pf->entries[i].len, NULL) == 0) {
                    const char *cc = NULL;
                    /* The country its identifiers carry, among those its key held. */
                    proto_record *rec = malloc(sizeof(*rec));
                    if (rec != NULL &&
                        proto_record_decode(rec, pe.kind, pe.body, pe.body_len, NULL) == 0 &&
                        proto_authors_entry_check(&authors, &pe, rec, PROTO_AUTHORS_NO_CUT, &cc,
                                                  NULL) == 0)
                        json_object_set_new(en, "country", json_string(cc));
                    else if (proto_authors_find(&authors, pe.author) != NULL)
                        json_object_set_new(
                            en, "country",
                            json_string(proto_authors_find(&authors, pe.author)->country));
                    free(rec);
                }
                json_array_append_new(es, en);
            } else {
                json_array_append_new(es, json_null());
            }
        }
        json_object_set_new(o, "query", q);
        json_object_set_new(o, "answer", an);
        json_object_set_new(o, "entries", es);
    }
    if (c->json) {
        cli_json_print(o);
    } else {
        json_t *q = json_object_get(o, "query"), *an = json_object_get(o, "answer");
        json_t *es = json_object_get(o, "entries"), *en;
        size_t i;
        if (decoded) {
            cli_kv(8, "question", "how does %s recognise %s for %s, at %s?", js(q, "country"),
                   js(q, "spec"), js(q, "purpose"), js(q, "at"));
            if (json_object_get(q, "credential") != NULL)
                cli_kv(8, "", "(about the credential %s)", js(q, "credential"));
            if (json_object_get(an, "outcome") != NULL)
                cli_kv(8, "answer", "%s: %s", js(an, "result"), js(an, "outcome"));
            else
                cli_kv(8, "answer", "no decision");
            if (json_object_get(an, "revoked") != NULL)
                cli_kv(8, "revoked", "%s", yes_no(json_is_true(json_object_get(an, "revoked"))));
            cli_kv(8, "forked", "%s (the producer's statement; not proven by the bundle)",
                   yes_no(json_is_true(json_object_get(an, "forked"))));
            cli_table t;
            char seq[24];
            cli_table_init(&t, 5);
            cli_table_row(&t, "COUNTRY", "SEQ", "TIME", "KIND", "RECORD");
            json_array_foreach(es, i, en)
            {
                json_t *rec = json_object_get(en, "record");
                snprintf(seq, sizeof(seq), "%lld", ji(en, "seq"));
                cli_table_row(&t, js(en, "country"), seq, js(en, "timestamp"), js(en, "kind"),
                              json_object_get(rec, "id") != NULL ? js(rec, "id")
                                                                 : js(rec, "provider"));
            }
            printf("\nrests on:\n");
            cli_table_print(&t);
            cli_table_free(&t);
            putchar('\n');
        }
        json_t *wj = json_object_get(o, "witnessed");
        if (vr == 0 && wj != NULL)
            printf("witnessed: %lld checkpoint(s), each author's head cosigned by at least %lld "
                   "witness(es), as of %s\n",
                   ji(wj, "checkpoints"), ji(wj, "witnesses"), js(wj, "as_of"));
        if (vr == 0)
            printf("VERIFIED against %s: every entry is signed by its country's authority and "
                   "supports the answer\n",
                   against);
        else
            printf("DOES NOT VERIFY: %s (%s)\n", msg, rn_err_name(vr));
    }
    json_decref(o);
    rc = vr == 0 ? CLI_OK : CLI_NEGATIVE;
out:
    free(pf);
    free(buf);
    if (own_roster)
        proto_roster_free(&roster);
    nodeconf_roster_free(&file);
    proto_authors_free(&authors);
    return rc;
}

/* ---- report ---- */

/* recnetctl report [--at T] [--valid-at T]: the federation report (PROTOCOL.md 12.3, `report`), a
 * row per country and a last row that sums the federation; --json as GET /v1/report prints it. */

static uint64_t num(json_t *o, const char *k)
{
    json_int_t v = json_integer_value(json_object_get(o, k));
    return v > 0 ? (uint64_t)v : 0u;
}

/* "40% (2)": the share of `n` in `of`, and n; "-" when there are no specs. */
static void share(char *out, size_t cap, uint64_t n, uint64_t of)
{
    if (of == 0)
        snprintf(out, cap, "-");
    else
        snprintf(out, cap, "%" PRIu64 "%% (%" PRIu64 ")", (n * 100u + of / 2u) / of, n);
}

/* "3: 1 full, 2 partial": a total and its outcomes that are not zero. */
static void outcomes(char *out, size_t cap, json_t *o)
{
    static const char *const names[] = { "full", "partial", "conditional", "denied" };
    int n = snprintf(out, cap, "%" PRIu64, num(o, "total"));
    const char *sep = ": ";
    for (size_t i = 0; i < 4 && n > 0 && (size_t)n < cap; i++) {
        uint64_t v = num(o, names[i]);
        if (v == 0)
            continue;
        n += snprintf(out + n, cap - (size_t)n, "%s%" PRIu64 " %s", sep, v, names[i]);
        sep = ", ";
    }
}

int cmd_report(cli *c, const cli_cmd *cmd, cli_args *a)
{
    mp_buf p;
    rpc_resp raw;
    json_t *res = NULL;
    int rc;
    memset(&raw, 0, sizeof(raw));
    if ((rc = query_options_take(cmd, a)) != CLI_OK)
        return rc;
    mp_buf_init(&p, 64);
    mp_put_array(&p, 2);
    if ((rc = put_at(cmd, a, &p)) != 0 || (rc = put_valid_at(cmd, a, &p)) != 0)
        goto out;
    rc = ask(c, CTL_REPORT, &p, &raw, &res);
    if (rc != CLI_OK)
        goto out;
    if (c->json) {
        cli_json_print(res);
    } else {
        static const char *const keys[] = { "providers",         "specs",           "specs_eqf",
                                            "specs_external_qa", "specs_stackable", "pathways" };
        uint64_t sum[6] = { 0 }, dsum[5] = { 0 }, psum[5] = { 0 };
        static const char *const onames[] = { "total", "full", "partial", "conditional", "denied" };
        cli_table t;
        const char *cc;
        json_t *row;
        char v[9][96];
        cli_table_init(&t, 9);
        cli_table_row(&t, "COUNTRY", "PROVIDERS", "SPECS", "EQF", "EXTERNAL_QA", "STACKABLE",
                      "PATHWAYS", "DECISIONS", "POLICIES");
        json_object_foreach(json_object_get(res, "countries"), cc, row)
        {
            for (size_t k = 0; k < 6; k++)
                sum[k] += num(row, keys[k]);
            for (size_t k = 0; k < 5; k++) {
                dsum[k] += num(json_object_get(row, "decisions"), onames[k]);
                psum[k] += num(json_object_get(row, "policies"), onames[k]);
            }
            uint64_t specs = num(row, "specs");
            snprintf(v[0], sizeof(v[0]), "%" PRIu64, num(row, "providers"));
            snprintf(v[1], sizeof(v[1]), "%" PRIu64, specs);
            share(v[2], sizeof(v[2]), num(row, "specs_eqf"), specs);
            share(v[3], sizeof(v[3]), num(row, "specs_external_qa"), specs);
            share(v[4], sizeof(v[4]), num(row, "specs_stackable"), specs);
            snprintf(v[5], sizeof(v[5]), "%" PRIu64, num(row, "pathways"));
            outcomes(v[6], sizeof(v[6]), json_object_get(row, "decisions"));
            outcomes(v[7], sizeof(v[7]), json_object_get(row, "policies"));
            cli_table_row(&t, cc, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
        }
        /* The federation: the sums. */
        json_t *d = json_object(), *po = json_object();
        for (size_t k = 0; k < 5; k++) {
            json_object_set_new(d, onames[k], json_integer((json_int_t)dsum[k]));
            json_object_set_new(po, onames[k], json_integer((json_int_t)psum[k]));
        }
        snprintf(v[0], sizeof(v[0]), "%" PRIu64, sum[0]);
        snprintf(v[1], sizeof(v[1]), "%" PRIu64, sum[1]);
        share(v[2], sizeof(v[2]), sum[2], sum[1]);
        share(v[3], sizeof(v[3]), sum[3], sum[1]);
        share(v[4], sizeof(v[4]), sum[4], sum[1]);
        snprintf(v[5], sizeof(v[5]), "%" PRIu64, sum[5]);
        outcomes(v[6], sizeof(v[6]), d);
        outcomes(v[7], sizeof(v[7]), po);
        json_decref(d);
        json_decref(po);
        cli_table_row(&t, "ALL", v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
        cli_kv(CLI_ANSWER_WIDTH, "at", "%s", json_string_value(json_object_get(res, "at")));
        print_valid_at(res, CLI_ANSWER_WIDTH);
        putchar('\n');
        cli_table_print(&t);
        cli_table_free(&t);
    }
    rc = CLI_OK;
out:
    json_decref(res);
    rpc_resp_free(&raw);
    mp_buf_free(&p);
    return rc;
}
