/*
 * cmd_node.c: the commands that watch a node: status, check, peers, heads, log.
 *
 * Each one makes its call (rpc.h), turns the result into JSON with the control API's conventions
 * (rpc_to_json), and prints that JSON with --json, or a table read from it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "proto/codes.h"
#include "proto/key.h"
#include "proto/limits.h"
#include "api/recjson.h"
#include "rpc.h"

/* A string member of a JSON object, or "-". */
static const char *js(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : "-";
}

static long long ji(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static const char *yes_no(json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key)) ? "yes" : "no";
}

/* Calls a method without parameters and converts its result. Returns an exit code. */
static int call_json(cli *c, const char *method, const mp_buf *params, json_t **out)
{
    rpc_resp r;
    int rc = cli_call(c, method, params, &r);
    *out = NULL;
    if (rc == CLI_OK) {
        *out = rpc_to_json(r.result);
        if (*out == NULL)
            rc = cli_fail(CLI_ERROR, "%s: result does not convert to JSON", method);
    }
    rpc_resp_free(&r);
    return rc;
}

static int call_noparams(cli *c, const char *method, json_t **out)
{
    mp_buf p;
    mp_buf_init(&p, 16);
    mp_put_array(&p, 0);
    int rc = call_json(c, method, &p, out);
    mp_buf_free(&p);
    return rc;
}

int cmd_status(cli *c, const cli_cmd *cmd, cli_args *a)
{
    json_t *s;
    (void)cmd;
    (void)a;
    int rc = call_noparams(c, CTL_STATUS, &s);
    if (rc != CLI_OK)
        return rc;
    if (c->json) {
        cli_json_print(s);
        json_decref(s);
        return CLI_OK;
    }
    json_t *forks = json_object_get(s, "forks");
    json_t *peers = json_object_get(s, "peers");
    json_t *k = json_object_get(s, "counters");
    cli_kv(9, "node", "%s %s %s", js(s, "country"), js(s, "role"), js(s, "key"));
    cli_kv(9, "own log", "seq %lld", ji(s, "seq"));
    cli_kv(9, "replica", "%lld entries from %lld authors", ji(s, "entries"), ji(s, "authors"));
    if (json_array_size(forks) == 0) {
        cli_kv(9, "forks", "none");
    } else {
        size_t i;
        json_t *f;
        json_array_foreach(forks, i, f)
        {
            cli_kv(9, i == 0 ? "forks" : "", "%s %s forked at seq %lld", js(f, "country"),
                   js(f, "author"), ji(f, "seq"));
        }
    }
    cli_kv(9, "peers", "%lld connected of %lld known", ji(peers, "connected"), ji(peers, "known"));
    cli_kv(9, "index", "%s",
           json_is_true(json_object_get(s, "index_pending")) ? "pending" : "up to date");
    json_t *disk = json_object_get(s, "disk"), *integ = json_object_get(s, "integrity");
    cli_kv(9, "disk", "%lld of %lld bytes used%s%s%s%s", ji(disk, "used_bytes"),
           ji(disk, "map_bytes"), json_is_true(json_object_get(disk, "full")) ? "; FULL" : "",
           json_is_true(json_object_get(disk, "index_behind")) ? "; index behind" : "",
           json_is_string(json_object_get(disk, "writes_stopped")) ? "; writes stopped: " : "",
           json_is_string(json_object_get(disk, "writes_stopped")) ? js(disk, "writes_stopped")
                                                                   : "");
    if (ji(integ, "errors") == 0)
        cli_kv(9, "integrity", "no damaged entry seen");
    else
        cli_kv(9, "integrity", "%lld damaged entries seen (last: seq %lld): run recnetctl check",
               ji(integ, "errors"), ji(integ, "damaged_seq"));
    cli_kv(9, "time", "%s", js(s, "time"));
    json_t *ck = json_object_get(s, "clock");
    if (ck != NULL)
        cli_kv(9, "clock", "wall clock %lld ms ahead, %lld behind%s; own head %lld ms ahead%s",
               ji(ck, "wall_ahead_ms"), ji(ck, "wall_behind_ms"),
               json_is_true(json_object_get(ck, "step_pending")) ? " (a step not followed)" : "",
               ji(ck, "head_ahead_ms"),
               json_is_true(json_object_get(ck, "publish_refused")) ? ": publishing refused" : "");
    cli_kv(9, "traffic", "%lld frames in, %lld out; %lld bytes in, %lld out", ji(k, "frames_in"),
           ji(k, "frames_out"), ji(k, "bytes_in"), ji(k, "bytes_out"));
    cli_kv(9, "entries", "%lld received (%lld new, %lld duplicate), %lld sent", ji(k, "entries_in"),
           ji(k, "entries_new"), ji(k, "entries_dup"), ji(k, "entries_out"));
    cli_kv(9, "gossip", "%lld payloads, %lld haves, %lld wants, %lld heads out",
           ji(k, "payload_msgs_out"), ji(k, "haves_out"), ji(k, "wants_out"), ji(k, "heads_out"));
    cli_kv(9, "problems", "%lld forks seen, %lld connections refused, %lld protocol errors",
           ji(k, "forks_seen"), ji(k, "conns_refused"), ji(k, "protocol_errors"));
    cli_kv(
        9, "members", "%lld bad signatures seen, %lld verified; %lld demotions, %lld serves paused",
        ji(k, "badsigs_seen"), ji(k, "sigs_verified"), ji(k, "demotions"), ji(k, "serve_paused"));
    cli_kv(9, "strangers", "%lld refused, %lld evicted, %lld timed out", ji(k, "strangers_refused"),
           ji(k, "strangers_evicted"), ji(k, "strangers_timed_out"));
    cli_kv(9, "control", "%lld clients closed for not reading, %lld evicted",
           ji(k, "control_clients_closed"), ji(k, "control_evicted"));
    cli_kv(9, "log", "%lld repeated lines summarised", ji(k, "log_lines_suppressed"));
    json_t *w = json_object_get(s, "witness");
    if (w != NULL) { /* PROTOCOL.md 11.12 */
        json_t *cp = json_object_get(w, "checkpoint");
        if (json_is_object(cp))
            cli_kv(9, "witness", "newest checkpoint %s: %lld heads, %lld cosignatures",
                   js(cp, "time"), ji(cp, "heads"), ji(cp, "cosignatures"));
        else
            cli_kv(9, "witness", "no checkpoint signed yet");
        cli_kv(9, "", "%lld cosignatures given, %lld received; %lld split views refused",
               ji(k, "cosigs_out"), ji(k, "cosigs_in"), ji(w, "refusals"));
        json_t *e;
        size_t i;
        json_array_foreach(json_object_get(w, "evidence"), i, e)
        {
            /* The signer comes as hex (a bin of the status map): shown as its key. */
            const char *hx = js(e, "signer");
            uint8_t pk[PROTO_KEY_BYTES];
            char key[PROTO_KEY_TEXT_LEN + 1];
            size_t got = 0;
            if (sodium_hex2bin(pk, sizeof(pk), hx, strlen(hx), NULL, &got, NULL) == 0 &&
                got == sizeof(pk))
                proto_key_text_format(pk, key);
            else
                snprintf(key, sizeof(key), "%s", hx);
            cli_kv(9, "", "split view: %s showed %s at seq %lld another entry (%s)", key,
                   js(e, "country"), ji(e, "seq"), js(e, "time"));
        }
    }
    json_decref(s);
    return CLI_OK;
}

int cmd_check(cli *c, const cli_cmd *cmd, cli_args *a)
{
    json_t *r;
    (void)cmd;
    (void)a;
    int rc = call_noparams(c, CTL_CHECK, &r);
    if (rc != CLI_OK)
        return rc;
    if (c->json)
        cli_json_print(r);
    else
        cli_kv(9, "replica", "consistent: %lld entries from %lld authors", ji(r, "entries"),
               ji(r, "authors"));
    json_decref(r);
    return CLI_OK;
}

int cmd_peers(cli *c, const cli_cmd *cmd, cli_args *a)
{
    json_t *p, *x;
    size_t i;
    cli_table t;
    char we_lack[24], it_lacks[24], idle[32], eager[16], demoted[16], in[24], out[24];
    (void)cmd;
    (void)a;
    int rc = call_noparams(c, CTL_PEERS, &p);
    if (rc != CLI_OK)
        return rc;
    if (c->json) {
        cli_json_print(p);
        json_decref(p);
        return CLI_OK;
    }
    /* Both directions of lag: what the peer shows that we lack (WE-LACK), and what we hold that
     * it has not shown it holds (IT-LACKS: a stopped or cut-off peer grows here, and in IDLE, the
     * time since its last frame). A connected peer has a CONNECTED time, one waiting for a
     * redial its NEXT-DIAL. DEMOTED counts the authors for which a claim of the peer failed
     * (PROTOCOL.md 11.5). */
    cli_table_init(&t, 12);
    cli_table_row(&t, "COUNTRY", "STATE", "CONNECTED", "NEXT-DIAL", "WE-LACK", "IT-LACKS", "IDLE",
                  "EAGER", "DEMOTED", "BYTES-IN", "BYTES-OUT", "KEY");
    json_array_foreach(p, i, x)
    {
        bool up = json_is_true(json_object_get(x, "connected"));
        const char *state = !up                                            ? "down"
                            : json_is_true(json_object_get(x, "outgoing")) ? "out"
                                                                           : "in";
        long long idle_ms = ji(x, "idle_ms");
        snprintf(we_lack, sizeof(we_lack), "%lld", ji(x, "entries_behind"));
        snprintf(it_lacks, sizeof(it_lacks), "%lld", ji(x, "peer_behind"));
        if (up)
            snprintf(idle, sizeof(idle), "%lld.%01llds", idle_ms / 1000, idle_ms % 1000 / 100);
        else
            snprintf(idle, sizeof(idle), "-");
        snprintf(eager, sizeof(eager), "%lld", ji(x, "eager_authors"));
        snprintf(demoted, sizeof(demoted), "%lld", ji(x, "demoted_authors"));
        snprintf(in, sizeof(in), "%lld", ji(x, "bytes_in"));
        snprintf(out, sizeof(out), "%lld", ji(x, "bytes_out"));
        cli_table_row(&t, js(x, "country"), state, up ? js(x, "connected_since") : "-",
                      up ? "-" : js(x, "next_dial"), up ? we_lack : "-", up ? it_lacks : "-", idle,
                      eager, demoted, in, out, js(x, "key"));
    }
    cli_table_print(&t);
    cli_table_free(&t);
    json_decref(p);
    return CLI_OK;
}

int cmd_heads(cli *c, const cli_cmd *cmd, cli_args *a)
{
    json_t *h, *x;
    size_t i;
    cli_table t;
    char seq[24];
    (void)cmd;
    (void)a;
    int rc = call_noparams(c, CTL_HEADS, &h);
    if (rc != CLI_OK)
        return rc;
    if (c->json) {
        cli_json_print(h);
        json_decref(h);
        return CLI_OK;
    }
    cli_table_init(&t, 5);
    cli_table_row(&t, "COUNTRY", "SEQ", "TIME", "FORKED", "AUTHOR");
    json_array_foreach(h, i, x)
    {
        snprintf(seq, sizeof(seq), "%lld", ji(x, "seq"));
        cli_table_row(&t, js(x, "country"), seq, js(x, "timestamp"), yes_no(x, "forked"),
                      js(x, "author"));
    }
    cli_table_print(&t);
    cli_table_free(&t);
    json_decref(h);
    return CLI_OK;
}

/* The key of `who`: a key rn1:..., or a country whose authority the node's roster names. */
static int author_key(cli *c, const char *who, uint8_t key[PROTO_KEY_BYTES])
{
    size_t len = strlen(who);
    if (proto_key_text_parse(who, len, key) == 0)
        return CLI_OK;
    if (len != 2 || proto_country_find(who, 2) == NULL)
        return cli_fail(CLI_REFUSED, "%s: expected a key rn1:... or a country code", who);
    const char *cc = proto_country_find(who, 2)->alpha2;
    json_t *r;
    int rc = call_noparams(c, CTL_ROSTER, &r);
    if (rc != CLI_OK)
        return rc;
    json_t *m;
    size_t i;
    rc = CLI_NEGATIVE;
    json_array_foreach(json_object_get(r, "members"), i, m)
    {
        const char *k = js(m, "key");
        if (strcmp(js(m, "country"), cc) == 0 && strcmp(js(m, "role"), "authority") == 0 &&
            proto_key_text_parse(k, strlen(k), key) == 0) {
            rc = CLI_OK;
            break;
        }
    }
    json_decref(r);
    if (rc != CLI_OK)
        return cli_fail(rc, "%s has no authority in the node's roster", cc);
    return rc;
}

static int parse_u64_arg(const char *s, uint64_t *v)
{
    char *end;
    if (s[0] < '0' || s[0] > '9')
        return -1;
    unsigned long long x = strtoull(s, &end, 10);
    if (*end != '\0')
        return -1;
    *v = x;
    return 0;
}

int cmd_log(cli *c, const cli_cmd *cmd, cli_args *a)
{
    uint8_t key[PROTO_KEY_BYTES];
    uint64_t from = 1, max = 0;
    const char *fs = cli_optval(cmd, a, "from"), *ms = cli_optval(cmd, a, "max");
    if (fs != NULL && (parse_u64_arg(fs, &from) < 0 || from == 0))
        return cli_usage(cmd, "--from: expected a sequence number from 1");
    if (ms != NULL && (parse_u64_arg(ms, &max) < 0 || max == 0))
        return cli_usage(cmd, "--max: expected a number from 1");
    int rc = author_key(c, a->pos[0], key);
    if (rc != CLI_OK)
        return rc;

    mp_buf p;
    rpc_resp r;
    mp_buf_init(&p, 128);
    mp_put_array(&p, 3);
    mp_put_bin(&p, key, sizeof(key));
    mp_put_uint(&p, from);
    if (max == 0)
        mp_put_nil(&p);
    else
        mp_put_uint(&p, max);
    rc = cli_call(c, CTL_LOG, &p, &r);
    mp_buf_free(&p);
    if (rc != CLI_OK) {
        rpc_resp_free(&r);
        return rc;
    }
    json_t *all = json_array();
    mp_cur cur = r.result;
    uint32_t n;
    if (all == NULL || mp_read_array(&cur, &n) < 0) {
        rpc_resp_free(&r);
        json_decref(all);
        return cli_fail(CLI_ERROR, "log: malformed result");
    }
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *b;
        uint32_t len;
        rec_err e;
        char msg[REC_FIELD_BYTES + REC_DETAIL_BYTES + 64];
        if (mp_read_bin(&cur, &b, &len) < 0) {
            rc = cli_fail(CLI_ERROR, "log: malformed result");
            break;
        }
        json_t *en = rec_entry_to_json(b, len, &e);
        if (en == NULL) {
            rc = cli_fail(CLI_ERROR, "log: entry %u: %s", i + 1,
                          rec_err_format(&e, msg, sizeof(msg)));
            break;
        }
        json_array_append_new(all, en);
    }
    rpc_resp_free(&r);
    if (rc == CLI_OK && c->json) {
        cli_json_print(all);
    } else if (rc == CLI_OK) {
        size_t i;
        json_t *en;
        json_array_foreach(all, i, en)
        {
            json_t *rec = json_object_get(en, "record");
            const char *rid =
                json_is_string(json_object_get(rec, "id")) ? js(rec, "id") : js(rec, "provider");
            printf("#%lld  %s  %s  %s  (entry %.16s...)\n", ji(en, "seq"), js(en, "timestamp"),
                   js(en, "kind"), rid, js(en, "id"));
            char *text = json_dumps(rec, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
            if (text != NULL) {
                for (char *line = text; *line != '\0';) {
                    char *nl = strchr(line, '\n');
                    size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
                    printf("    %.*s\n", (int)len, line);
                    line += len + (nl != NULL ? 1 : 0);
                }
                free(text);
            }
        }
        if (json_array_size(all) == 0)
            printf("no entries from seq %llu\n", (unsigned long long)from);
    }
    json_decref(all);
    return rc;
}
