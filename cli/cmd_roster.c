/*
 * cmd_roster.c: the governed roster's offline commands (PROTOCOL.md 4.4): roster genesis,
 * propose, approve, verify and show of a chain. Everything here works on files; no node is
 * asked. The rules live in proto/rosterchain.h: these commands read files, describe what they
 * hold and write documents, never deciding anything proto_rosterchain_* would not.
 *
 * A chain on the command line is GENESIS followed by its changes in version order. `roster
 * show` is shared with the roster file of the node: a first file that is a genesis document
 * (a MessagePack array of 5) is a chain, anything else the INI roster file of cmd_local.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "conf/file.h"
#include "conf/keyfile.h"
#include "conf/roster.h"
#include "proto/codes.h"
#include "proto/key.h"
#include "proto/rosterchain.h"
#include "api/recjson.h"
#include "rpc.h"

/* The online forms (end of this file). */
static int propose_online(cli *c, const cli_cmd *cmd, cli_args *a);
static int approve_online(cli *c, const cli_cmd *cmd, cli_args *a);
static int show_online(cli *c, const cli_cmd *cmd, cli_args *a, bool quiet_fallback);

/* The first byte of a genesis document: a fixarray of 5. */
#define GENESIS_FIRST_BYTE 0x95u

/* The diagnosis, with what a refusal means for the two codes whose message is generic. */
static void diag_text(const rn_diag *d, char *buf, size_t cap)
{
    rn_diag_format(d, buf, cap);
    size_t n = strlen(buf);
    if (d->code == RN_EMISSING && d->field != NULL && strcmp(d->field, "ops.key") == 0)
        snprintf(buf + n, cap - n, ": a planned rotation needs the old key's signature");
    else if (d->code == RN_EDUPLICATE && d->field != NULL && strncmp(d->field, "ops.", 4) == 0)
        snprintf(buf + n, cap - n, ": keys are single-use, and one op per key in a change");
}

/* ---- Loading a chain ---- */

typedef struct loaded {
    proto_rosterchain ch;
    proto_rc_change *changes; /* owned; changes[0 .. n), version i + 2 */
    size_t n;
} loaded;

static void loaded_free(loaded *l)
{
    proto_rosterchain_free(&l->ch);
    free(l->changes);
    memset(l, 0, sizeof(*l));
}

/* Verifies the chain pos[first ..] into `l`: CLI_OK, CLI_REFUSED (a bad genesis), CLI_NEGATIVE
 * (the first change that does not verify, named with why), CLI_ERROR (a file not read). */
static int chain_load(const cli_args *a, unsigned first, loaded *l)
{
    uint8_t *buf = NULL;
    size_t len;
    char why[256], msg[192];
    rn_diag d;

    memset(l, 0, sizeof(*l));
    memset(&d, 0, sizeof(d));
    const char *gpath = a->pos[first];
    int rc = cli_read_file(gpath, RN_ROSTERCHAIN_GENESIS_BYTES_MAX, &buf, &len, why, sizeof(why));
    if (rc < 0)
        return cli_fail_rn(rc == RN_ETOOBIG ? CLI_REFUSED : CLI_ERROR, rc, NULL, -1, "%s", why);
    rc = proto_rosterchain_init(&l->ch, buf, len, &d);
    free(buf);
    if (rc < 0) {
        diag_text(&d, msg, sizeof(msg));
        return cli_fail_rn(CLI_REFUSED, rc, d.field, d.index > 0 ? (long)d.index - 1 : -1,
                           "%s: not a genesis roster: %s", gpath, msg);
    }
    size_t n = a->pos_n - first - 1;
    l->changes = calloc(n > 0 ? n : 1, sizeof(*l->changes));
    if (l->changes == NULL) {
        loaded_free(l);
        return cli_fail(CLI_ERROR, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        const char *path = a->pos[first + 1 + i];
        uint64_t version = i + 2;
        buf = NULL;
        rc = cli_read_file(path, RN_ROSTERCHAIN_CHANGE_BYTES_MAX, &buf, &len, why, sizeof(why));
        if (rc == RN_EIO) {
            loaded_free(l);
            return cli_fail_rn(CLI_ERROR, rc, NULL, -1, "%s", why);
        }
        memset(&d, 0, sizeof(d));
        if (rc == 0)
            rc = proto_rosterchain_change_decode(&l->changes[i], buf, len, &d);
        else
            rn_fail(&d, rc, "change");
        free(buf);
        if (rc == 0)
            rc = proto_rosterchain_apply(&l->ch, &l->changes[i], &d);
        if (rc < 0) {
            diag_text(&d, msg, sizeof(msg));
            if (rc == RN_EQUORUM) {
                size_t auth = 0;
                for (size_t k = 0; k < l->ch.current.count; k++)
                    auth += l->ch.current.members[k].role == PROTO_ROLE_AUTHORITY;
                uint32_t need = proto_rosterchain_quorum_need(
                    l->ch.versions[l->ch.versions_n - 1].quorum, auth);
                size_t m = strlen(msg);
                snprintf(msg + m, sizeof(msg) - m, ": %u of %u signatures", l->changes[i].sigs_n,
                         need);
            }
            loaded_free(l);
            return cli_fail_rn(CLI_NEGATIVE, rc, d.field, d.index > 0 ? (long)d.index - 1 : -1,
                               "%s (version %llu): does not verify: %s", path,
                               (unsigned long long)version, msg);
        }
    }
    l->n = n;
    return CLI_OK;
}

/* ---- Describing ---- */

static const char *end_name(proto_rc_end e)
{
    switch (e) {
    case PROTO_RC_END_NONE:
        return "in force";
    case PROTO_RC_END_REMOVED:
        return "removed";
    case PROTO_RC_END_SET:
        return "role or country changed";
    case PROTO_RC_END_ROTATED:
        return "rotated";
    case PROTO_RC_END_COMPROMISED:
        return "compromised";
    default:
        return "?";
    }
}

static json_t *quorum_json(uint64_t q)
{
    return q == PROTO_QUORUM_MAJORITY ? json_string("majority") : json_integer((json_int_t)q);
}

static json_t *op_json(const proto_rc_op *o)
{
    char k[PROTO_KEY_TEXT_LEN + 1], nk[PROTO_KEY_TEXT_LEN + 1];
    json_t *j = json_object();
    json_object_set_new(j, "op", json_string(proto_rc_op_name((int)o->type)));
    if (o->type == PROTO_RC_QUORUM) {
        json_object_set_new(j, "quorum", quorum_json(o->quorum));
        return j;
    }
    proto_key_text_format(o->key, k);
    json_object_set_new(j, "key", json_string(k));
    if (o->type == PROTO_RC_ADD || o->type == PROTO_RC_SET) {
        json_object_set_new(j, "role", json_string(proto_role_name((int)o->role)));
        json_object_set_new(j, "country", json_string(o->country));
    }
    if (o->type == PROTO_RC_ROTATE || o->type == PROTO_RC_ROTATE_COMPROMISED) {
        proto_key_text_format(o->new_key, nk);
        json_object_set_new(j, "new_key", json_string(nk));
    }
    if (o->type == PROTO_RC_ROTATE_COMPROMISED) {
        char hex[PROTO_ID_BYTES * 2 + 1];
        json_object_set_new(j, "last_seq", json_integer((json_int_t)o->last_seq));
        if (o->last_seq != 0)
            json_object_set_new(j, "last_id",
                                json_string(sodium_bin2hex(hex, sizeof(hex), o->last_id, 32)));
    }
    return j;
}

/* One line for people: "add authority FR rn1:...". */
static void op_print(const proto_rc_op *o)
{
    char k[PROTO_KEY_TEXT_LEN + 1], nk[PROTO_KEY_TEXT_LEN + 1];
    proto_key_text_format(o->key, k);
    proto_key_text_format(o->new_key, nk);
    switch (o->type) {
    case PROTO_RC_ADD:
    case PROTO_RC_SET:
        printf("  %s %s %s %s\n", proto_rc_op_name((int)o->type), proto_role_name((int)o->role),
               o->country[0] != '\0' ? o->country : "-", k);
        break;
    case PROTO_RC_REMOVE:
        printf("  remove %s\n", k);
        break;
    case PROTO_RC_ROTATE:
        printf("  rotate %s -> %s (planned: the old key signs)\n", k, nk);
        break;
    case PROTO_RC_ROTATE_COMPROMISED:
        printf("  rotate-compromised %s -> %s, entries trusted up to seq %llu\n", k, nk,
               (unsigned long long)o->last_seq);
        break;
    case PROTO_RC_QUORUM:
        if (o->quorum == PROTO_QUORUM_MAJORITY)
            printf("  quorum majority\n");
        else
            printf("  quorum %llu\n", (unsigned long long)o->quorum);
        break;
    default:
        break;
    }
}

static json_t *roster_json(const proto_roster *r, cli_table *t)
{
    char k[PROTO_KEY_TEXT_LEN + 1];
    json_t *all = json_array();
    if (t != NULL)
        cli_table_row(t, "ROLE", "COUNTRY", "KEY");
    for (size_t i = 0; i < r->count; i++) {
        const proto_member *m = &r->members[i];
        proto_key_text_format(m->key, k);
        json_array_append_new(all,
                              json_pack("{s:s, s:s, s:s}", "role", proto_role_name((int)m->role),
                                        "country", m->country, "key", k));
        if (t != NULL)
            cli_table_row(t, proto_role_name((int)m->role),
                          m->country[0] != '\0' ? m->country : NULL, k);
    }
    return all;
}

/* Prints the roster in force at the chain's last version (and, with history, every version's
 * changes and every key's periods). */
static int chain_print(cli *c, const loaded *l, bool history)
{
    const proto_rosterchain *ch = &l->ch;
    uint64_t v = proto_rosterchain_version(ch);
    const proto_rc_version *last = &ch->versions[v - 1];
    size_t auth = 0;
    for (size_t i = 0; i < ch->current.count; i++)
        auth += ch->current.members[i].role == PROTO_ROLE_AUTHORITY;
    uint32_t need = proto_rosterchain_quorum_need(last->quorum, auth);
    char hex[PROTO_ID_BYTES * 2 + 1], when[REC_TIME_BYTES];
    sodium_bin2hex(hex, sizeof(hex), ch->versions[0].hash, PROTO_ID_BYTES);

    cli_table t;
    cli_table_init(&t, 3);
    json_t *out = json_object();
    json_object_set_new(out, "federation", json_string(ch->federation));
    json_object_set_new(out, "federation_id", json_string(hex));
    json_object_set_new(out, "version", json_integer((json_int_t)v));
    json_object_set_new(out, "quorum", quorum_json(last->quorum));
    json_object_set_new(out, "signatures_needed", json_integer(need));
    json_object_set_new(out, "members", roster_json(&ch->current, &t));
    if (!c->json) {
        printf("federation  %s\nid          %s\nversion     %llu\n", ch->federation, hex,
               (unsigned long long)v);
        if (last->quorum == PROTO_QUORUM_MAJORITY)
            printf("quorum      majority: %u of %zu authorities\n\n", need, auth);
        else
            printf("quorum      %u of %zu authorities\n\n", need, auth);
        cli_table_print(&t);
    }
    cli_table_free(&t);
    if (history) {
        json_t *versions = json_array(), *keys = json_array();
        if (!c->json)
            printf("\nHistory:\n");
        for (uint64_t i = 1; i <= v; i++) {
            const proto_rc_version *pv = &ch->versions[i - 1];
            json_t *o = json_object();
            rec_time_format(pv->issued_at, when);
            sodium_bin2hex(hex, sizeof(hex), pv->hash, PROTO_ID_BYTES);
            json_object_set_new(o, "version", json_integer((json_int_t)i));
            json_object_set_new(o, "issued_at", json_string(when));
            json_object_set_new(o, "hash", json_string(hex));
            json_object_set_new(o, "quorum", quorum_json(pv->quorum));
            json_object_set_new(o, "signers", json_integer(pv->signers));
            json_t *ops = json_array();
            if (!c->json)
                printf("version %llu  %s  %s\n", (unsigned long long)i, when,
                       i == 1 ? "genesis" : "");
            if (i >= 2) {
                const proto_rc_change *chg = &l->changes[i - 2];
                if (!c->json)
                    printf("  signed by %u authorities\n", pv->signers);
                for (uint32_t k = 0; k < chg->ops_n; k++) {
                    json_array_append_new(ops, op_json(&chg->ops[k]));
                    if (!c->json)
                        op_print(&chg->ops[k]);
                }
            }
            json_object_set_new(o, "ops", ops);
            json_array_append_new(versions, o);
        }
        cli_table kt;
        cli_table_init(&kt, 6);
        cli_table_row(&kt, "KEY", "ROLE", "COUNTRY", "FROM", "UNTIL", "END");
        for (size_t i = 0; i < ch->periods_n; i++) {
            const proto_rc_period *p = &ch->periods[i];
            char k[PROTO_KEY_TEXT_LEN + 1], from[24], until[24];
            proto_key_text_format(p->key, k);
            snprintf(from, sizeof(from), "%llu", (unsigned long long)p->from);
            snprintf(until, sizeof(until), "%llu", (unsigned long long)p->until);
            json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:s}", "key", k, "role",
                                  proto_role_name((int)p->role), "country", p->country, "from",
                                  (json_int_t)p->from, "end", end_name(p->end));
            if (p->until != 0)
                json_object_set_new(o, "until", json_integer((json_int_t)p->until));
            if (p->end == PROTO_RC_END_ROTATED || p->end == PROTO_RC_END_COMPROMISED) {
                char nk[PROTO_KEY_TEXT_LEN + 1];
                proto_key_text_format(p->next, nk);
                json_object_set_new(o, "next", json_string(nk));
            }
            if (p->end == PROTO_RC_END_COMPROMISED) {
                json_object_set_new(o, "last_seq", json_integer((json_int_t)p->last_seq));
                if (p->last_seq != 0)
                    json_object_set_new(
                        o, "last_id",
                        json_string(sodium_bin2hex(hex, sizeof(hex), p->last_id, PROTO_ID_BYTES)));
            }
            json_array_append_new(keys, o);
            char endtext[64];
            if (p->end == PROTO_RC_END_COMPROMISED)
                snprintf(endtext, sizeof(endtext), "compromised, trusted to seq %llu",
                         (unsigned long long)p->last_seq);
            else
                snprintf(endtext, sizeof(endtext), "%s", end_name(p->end));
            cli_table_row(&kt, k, proto_role_name((int)p->role),
                          p->country[0] != '\0' ? p->country : NULL, from,
                          p->until != 0 ? until : NULL, endtext);
        }
        if (!c->json) {
            printf("\nKeys:\n");
            cli_table_print(&kt);
        }
        cli_table_free(&kt);
        json_object_set_new(out, "history", versions);
        json_object_set_new(out, "keys", keys);
    }
    if (c->json)
        cli_json_print(out);
    json_decref(out);
    return CLI_OK;
}

/* ---- roster verify, roster show ---- */

int cmd_roster_verify(cli *c, const cli_cmd *cmd, cli_args *a)
{
    (void)cmd;
    loaded l;
    int rc = chain_load(a, 0, &l);
    if (rc != CLI_OK)
        return rc;
    rc = chain_print(c, &l, false);
    loaded_free(&l);
    return rc;
}

/* Whether the file `path` starts as a genesis document does. */
static bool is_genesis(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    int ch = fgetc(f);
    fclose(f);
    return ch == (int)GENESIS_FIRST_BYTE;
}

int cmd_roster_show_any(cli *c, const cli_cmd *cmd, cli_args *a)
{
    bool history = cli_optset(cmd, a, "history");
    if (a->pos_n == 0 && cli_optval(cmd, a, "roster") == NULL) {
        /* The node's governed roster; a node without one (or none running): the roster file. */
        bool online_only = history || cli_optval(cmd, a, "version") != NULL;
        int rc = show_online(c, cmd, a, !online_only);
        if (rc != CLI_NEGATIVE || online_only)
            return rc;
        return cmd_roster_show(c, cmd, a);
    }
    if (cli_optval(cmd, a, "version") != NULL)
        return cli_usage(cmd, "--version asks the node: give no file");
    if (a->pos_n >= 1 && is_genesis(a->pos[0])) {
        if (cli_optval(cmd, a, "roster") != NULL)
            return cli_usage(cmd, "--roster names a roster file, not a chain");
        loaded l;
        int rc = chain_load(a, 0, &l);
        if (rc != CLI_OK)
            return rc;
        rc = chain_print(c, &l, history);
        loaded_free(&l);
        return rc;
    }
    if (history)
        return cli_usage(cmd, "--history needs a governed roster: GENESIS [CHANGE...]");
    if (a->pos_n > 1)
        return cli_usage(cmd, "%s is not a genesis roster; a roster file is shown alone",
                         a->pos[0]);
    return cmd_roster_show(c, cmd, a);
}

/* ---- roster genesis ---- */

static int parse_quorum(const cli_cmd *cmd, const char *s, uint64_t *q)
{
    if (s == NULL || strcmp(s, "majority") == 0) {
        *q = PROTO_QUORUM_MAJORITY;
        return CLI_OK;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v == 0 ||
        v > RN_ROSTERCHAIN_SIGS_MAX)
        return cli_usage(cmd, "--quorum %s: expected majority or 1 to %u", s,
                         RN_ROSTERCHAIN_SIGS_MAX);
    *q = v;
    return CLI_OK;
}

static int issued_at(const cli_cmd *cmd, const char *s, uint64_t *at)
{
    if (s == NULL) {
        *at = rec_now_ms();
        return CLI_OK;
    }
    if (rec_time_parse(s, strlen(s), at) < 0)
        return cli_usage(cmd, "--issued-at %s: expected an ISO 8601 time, ms or now", s);
    return CLI_OK;
}

static int write_new(const char *path, const mp_buf *b)
{
    char err[CLI_PATH_BYTES + 128];
    int rc = conf_file_create_err(path, b->data, b->len, 0644, err, sizeof(err));
    if (rc < 0)
        return cli_fail_rn(CLI_ERROR, rc, NULL, -1, "%s", err);
    return CLI_OK;
}

int cmd_roster_genesis(cli *c, const cli_cmd *cmd, cli_args *a)
{
    const char *rpath = cli_optval(cmd, a, "roster"), *name = cli_optval(cmd, a, "federation");
    const char *out = cli_optval(cmd, a, "out");
    char err[NODECONF_ERR_MAX], hex[PROTO_ID_BYTES * 2 + 1];
    uint64_t q = PROTO_QUORUM_MAJORITY, at = 0;
    nodeconf_roster r;
    mp_buf b;

    if (rpath == NULL || name == NULL || out == NULL)
        return cli_usage(cmd, "--roster, --federation and --out are required");
    int rc = parse_quorum(cmd, cli_optval(cmd, a, "quorum"), &q);
    if (rc == CLI_OK)
        rc = issued_at(cmd, cli_optval(cmd, a, "issued-at"), &at);
    if (rc != CLI_OK)
        return rc;
    rc = nodeconf_roster_load(&r, rpath, err, sizeof(err));
    if (rc < 0)
        return cli_fail_rn(rc == RN_EIO ? CLI_ERROR : CLI_REFUSED, rc, NULL, -1, "%s", err);
    mp_buf_init(&b, RN_ROSTERCHAIN_GENESIS_BYTES_MAX);
    rc = proto_rosterchain_genesis_encode(name, strlen(name), q, at, &r.roster, &b);
    nodeconf_roster_free(&r);
    if (rc < 0) {
        const char *field = rc == RN_ECOUNT  ? "quorum"
                            : rc == RN_ETIME ? "issued_at"
                                             : "federation";
        mp_buf_free(&b);
        return cli_fail_rn(CLI_REFUSED, rc, field, -1, "%s: %s: %s", rpath, field,
                           rc == RN_ECOUNT ? "no authority, or a quorum above the authorities"
                                           : rn_strerror(rc));
    }
    crypto_generichash((uint8_t *)err, PROTO_ID_BYTES, b.data, b.len, NULL, 0);
    sodium_bin2hex(hex, sizeof(hex), (const uint8_t *)err, PROTO_ID_BYTES);
    rc = write_new(out, &b);
    mp_buf_free(&b);
    if (rc != CLI_OK)
        return rc;
    if (c->json) {
        json_t *o =
            json_pack("{s:s, s:s, s:i}", "genesis", out, "federation_id", hex, "version", 1);
        cli_json_print(o);
        json_decref(o);
    } else {
        printf("wrote %s, version 1 of federation \"%s\" (id %s)\n", out, name, hex);
    }
    return CLI_OK;
}

/* ---- roster propose ---- */

static int key_field(json_t *op, const char *name, size_t i, uint8_t key[PROTO_KEY_BYTES],
                     const char *path)
{
    const char *s = json_string_value(json_object_get(op, name));
    if (s == NULL || proto_key_text_parse(s, strlen(s), key) < 0)
        return cli_fail_rn(CLI_REFUSED, RN_EKEY, name, (long)i,
                           "%s: ops[%zu].%s: expected a key rn1:...", path, i, name);
    return CLI_OK;
}

/* One op of the JSON description (cli/README.md, "roster propose"). */
static int op_from_json(json_t *j, size_t i, proto_rc_op *o, const char *path)
{
    static const char *const known[] = { "op",       "key",     "new_key", "role", "country",
                                         "last_seq", "last_id", "quorum",  NULL };
    const char *name = json_string_value(json_object_get(j, "op"));
    const char *k;
    json_t *v;
    int rc;

    memset(o, 0, sizeof(*o));
    if (!json_is_object(j))
        return cli_fail_rn(CLI_REFUSED, RN_ETYPE, "ops", (long)i,
                           "%s: ops[%zu]: expected an object", path, i);
    json_object_foreach(j, k, v)
    {
        bool ok = false;
        for (size_t n = 0; known[n] != NULL && !ok; n++)
            ok = strcmp(known[n], k) == 0;
        if (!ok)
            return cli_fail_rn(CLI_REFUSED, RN_EUNKNOWNFIELD, k, (long)i,
                               "%s: ops[%zu]: unknown member \"%s\"", path, i, k);
    }
    int type = 0;
    for (int t = PROTO_RC_ADD; t <= PROTO_RC_QUORUM; t++)
        if (name != NULL && strcmp(name, proto_rc_op_name(t)) == 0)
            type = t;
    if (type == 0)
        return cli_fail_rn(CLI_REFUSED, RN_EENUM, "op", (long)i,
                           "%s: ops[%zu].op: expected add, remove, set, rotate, "
                           "rotate-compromised or quorum",
                           path, i);
    o->type = (proto_rc_optype)type;
    if (o->type == PROTO_RC_QUORUM) {
        json_t *q = json_object_get(j, "quorum");
        if (json_is_string(q) && strcmp(json_string_value(q), "majority") == 0)
            o->quorum = PROTO_QUORUM_MAJORITY;
        else if (json_is_integer(q) && json_integer_value(q) >= 1 &&
                 json_integer_value(q) <= (json_int_t)RN_ROSTERCHAIN_SIGS_MAX)
            o->quorum = (uint64_t)json_integer_value(q);
        else
            return cli_fail_rn(CLI_REFUSED, RN_ECOUNT, "quorum", (long)i,
                               "%s: ops[%zu].quorum: expected \"majority\" or 1 to 30", path, i);
        return CLI_OK;
    }
    if ((rc = key_field(j, "key", i, o->key, path)) != CLI_OK)
        return rc;
    if (o->type == PROTO_RC_ADD || o->type == PROTO_RC_SET) {
        const char *role = json_string_value(json_object_get(j, "role"));
        const char *cc = json_string_value(json_object_get(j, "country"));
        if (role != NULL && strcmp(role, "authority") == 0)
            o->role = PROTO_ROLE_AUTHORITY;
        else if (role != NULL && strcmp(role, "mirror") == 0)
            o->role = PROTO_ROLE_MIRROR;
        else
            return cli_fail_rn(CLI_REFUSED, RN_EENUM, "role", (long)i,
                               "%s: ops[%zu].role: expected authority or mirror", path, i);
        if (cc == NULL)
            cc = "";
        if (strcmp(cc, "EL") == 0)
            cc = "GR";
        if (cc[0] != '\0' && !proto_country_is_canonical(cc, strlen(cc)))
            return cli_fail_rn(CLI_REFUSED, RN_ECOUNTRY, "country", (long)i,
                               "%s: ops[%zu].country: %s is not one of the 30 country codes", path,
                               i, cc);
        snprintf(o->country, sizeof(o->country), "%s", cc);
    }
    if (o->type == PROTO_RC_ROTATE || o->type == PROTO_RC_ROTATE_COMPROMISED) {
        if ((rc = key_field(j, "new_key", i, o->new_key, path)) != CLI_OK)
            return rc;
    }
    if (o->type == PROTO_RC_ROTATE_COMPROMISED) {
        json_t *seq = json_object_get(j, "last_seq");
        const char *id = json_string_value(json_object_get(j, "last_id"));
        if (!json_is_integer(seq) || json_integer_value(seq) < 0 ||
            (uint64_t)json_integer_value(seq) > RN_SEQ_MAX)
            return cli_fail_rn(CLI_REFUSED, RN_ESEQ, "last_seq", (long)i,
                               "%s: ops[%zu].last_seq: expected the seq of the last trusted entry "
                               "(0 for none)",
                               path, i);
        o->last_seq = (uint64_t)json_integer_value(seq);
        size_t n = 0;
        if (o->last_seq != 0 &&
            (id == NULL ||
             sodium_hex2bin(o->last_id, PROTO_ID_BYTES, id, strlen(id), NULL, &n, NULL) != 0 ||
             n != PROTO_ID_BYTES || strlen(id) != 2 * PROTO_ID_BYTES))
            return cli_fail_rn(CLI_REFUSED, RN_EID, "last_id", (long)i,
                               "%s: ops[%zu].last_id: expected the 64 hex digits of the entry's id",
                               path, i);
        if (o->last_seq == 0 && id != NULL)
            return cli_fail_rn(CLI_REFUSED, RN_EINCONSISTENT, "last_id", (long)i,
                               "%s: ops[%zu].last_id: no id when last_seq is 0", path, i);
    }
    return CLI_OK;
}

int cmd_roster_propose(cli *c, const cli_cmd *cmd, cli_args *a)
{
    const char *jpath = cli_optval(cmd, a, "change"), *out = cli_optval(cmd, a, "out");
    uint8_t *buf = NULL;
    size_t len;
    char why[256], msg[192];
    proto_rc_change *chg = NULL;
    json_t *doc = NULL;
    loaded l;
    mp_buf b;
    rn_diag d;
    uint64_t at;
    int rc;

    if (a->pos_n == 0)
        return propose_online(c, cmd, a); /* no chain given: the node's */
    if (jpath == NULL || out == NULL)
        return cli_usage(cmd, "--change and --out are required");
    rc = chain_load(a, 0, &l);
    if (rc != CLI_OK)
        return rc;
    mp_buf_init(&b, RN_ROSTERCHAIN_CHANGE_BYTES_MAX);
    if (cli_read_file(jpath, 1u << 20, &buf, &len, why, sizeof(why)) < 0) {
        rc = cli_fail(CLI_ERROR, "%s", why);
        goto out;
    }
    json_error_t jerr;
    doc = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(doc)) {
        rc = cli_fail_rn(CLI_REFUSED, RN_ETYPE, NULL, -1, "%s: line %d: %s", jpath, jerr.line,
                         doc == NULL ? jerr.text : "expected an object {\"ops\": [...]}");
        goto out;
    }
    const char *k;
    json_t *v;
    json_object_foreach(doc, k, v)
    {
        if (strcmp(k, "ops") != 0 && strcmp(k, "issued_at") != 0) {
            rc = cli_fail_rn(CLI_REFUSED, RN_EUNKNOWNFIELD, k, -1, "%s: unknown member \"%s\"",
                             jpath, k);
            goto out;
        }
    }
    json_t *jat = json_object_get(doc, "issued_at");
    if (jat == NULL) {
        at = rec_now_ms();
    } else if (json_is_integer(jat) && json_integer_value(jat) >= 0) {
        at = (uint64_t)json_integer_value(jat);
    } else if (!json_is_string(jat) ||
               rec_time_parse(json_string_value(jat), strlen(json_string_value(jat)), &at) < 0) {
        rc = cli_fail_rn(CLI_REFUSED, RN_ETIME, "issued_at", -1,
                         "%s: issued_at: expected an ISO 8601 time, ms or now", jpath);
        goto out;
    }
    const proto_rc_version *last = &l.ch.versions[l.ch.versions_n - 1];
    if (at < last->issued_at)
        at = last->issued_at; /* a clock behind the chain's last change still proposes */
    chg = malloc(sizeof(*chg));
    if (chg == NULL) {
        rc = cli_fail(CLI_ERROR, "out of memory");
        goto out;
    }
    if (proto_rosterchain_change_start(&l.ch, at, chg) < 0) {
        rc = cli_fail_rn(CLI_REFUSED, RN_ETIME, "issued_at", -1, "%s: issued_at out of range",
                         jpath);
        goto out;
    }
    json_t *ops = json_object_get(doc, "ops");
    if (!json_is_array(ops) || json_array_size(ops) == 0 ||
        json_array_size(ops) > RN_ROSTERCHAIN_OPS_MAX) {
        rc = cli_fail_rn(CLI_REFUSED, RN_ECOUNT, "ops", -1, "%s: ops: expected 1 to %u ops", jpath,
                         RN_ROSTERCHAIN_OPS_MAX);
        goto out;
    }
    for (size_t i = 0; i < json_array_size(ops); i++) {
        if ((rc = op_from_json(json_array_get(ops, i), i, &chg->ops[i], jpath)) != CLI_OK)
            goto out;
        chg->ops_n++;
    }
    memset(&d, 0, sizeof(d));
    if ((rc = proto_rosterchain_check(&l.ch, chg, &d)) < 0) {
        diag_text(&d, msg, sizeof(msg));
        rc = cli_fail_rn(CLI_REFUSED, rc, d.field, d.index > 0 ? (long)d.index - 1 : -1,
                         "%s: the change does not apply to version %llu: %s", jpath,
                         (unsigned long long)proto_rosterchain_version(&l.ch), msg);
        goto out;
    }
    if ((rc = proto_rosterchain_change_encode(chg, &b)) < 0) {
        rc = cli_fail_rn(CLI_ERROR, rc, NULL, -1, "cannot encode the change: %s", rn_strerror(rc));
        goto out;
    }
    if ((rc = write_new(out, &b)) != CLI_OK)
        goto out;
    size_t auth = 0;
    for (size_t i = 0; i < l.ch.current.count; i++)
        auth += l.ch.current.members[i].role == PROTO_ROLE_AUTHORITY;
    uint32_t need = proto_rosterchain_quorum_need(last->quorum, auth);
    if (c->json) {
        json_t *o = json_pack("{s:s, s:I, s:i}", "change", out, "version", (json_int_t)chg->version,
                              "signatures_needed", (int)need);
        cli_json_print(o);
        json_decref(o);
    } else {
        printf("wrote %s: version %llu, unsigned:\n", out, (unsigned long long)chg->version);
        for (uint32_t i = 0; i < chg->ops_n; i++)
            op_print(&chg->ops[i]);
        printf("It takes effect with the signatures of %u of the %zu authorities", need, auth);
        for (uint32_t i = 0; i < chg->ops_n; i++)
            if (chg->ops[i].type == PROTO_RC_ROTATE) {
                printf(", the rotated key's among them");
                break;
            }
        printf(". Each runs:\n  recnetctl roster approve %s --key KEYFILE\n", out);
    }
    rc = CLI_OK;
out:
    json_decref(doc);
    free(buf);
    free(chg);
    mp_buf_free(&b);
    loaded_free(&l);
    return rc;
}

/* ---- roster approve ---- */

int cmd_roster_approve(cli *c, const cli_cmd *cmd, cli_args *a)
{
    const char *path = a->pos[0], *kpath = cli_optval(cmd, a, "key");
    uint8_t seed[PROTO_SEED_BYTES], pk[PROTO_KEY_BYTES], sk[PROTO_SK_BYTES];
    uint8_t *buf = NULL;
    size_t len;
    char why[256], msg[192], tmp[CLI_PATH_BYTES + 8], k[PROTO_KEY_TEXT_LEN + 1];
    proto_rc_change *chg = NULL;
    mp_buf b;
    rn_diag d;
    int rc, err = 0;

    if (kpath == NULL)
        return approve_online(c, cmd, a); /* the node signs with its own key */
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
        return cli_usage(cmd, "%s: path too long", path);
    mp_buf_init(&b, RN_ROSTERCHAIN_CHANGE_BYTES_MAX);
    memset(&d, 0, sizeof(d));
    rc = cli_read_file(path, RN_ROSTERCHAIN_CHANGE_BYTES_MAX, &buf, &len, why, sizeof(why));
    if (rc < 0) {
        rc = cli_fail_rn(rc == RN_ETOOBIG ? CLI_REFUSED : CLI_ERROR, rc, NULL, -1, "%s", why);
        goto out;
    }
    chg = malloc(sizeof(*chg));
    if (chg == NULL) {
        rc = cli_fail(CLI_ERROR, "out of memory");
        goto out;
    }
    if ((rc = proto_rosterchain_change_decode(chg, buf, len, &d)) < 0) {
        diag_text(&d, msg, sizeof(msg));
        rc = cli_fail_rn(CLI_REFUSED, rc, d.field, d.index > 0 ? (long)d.index - 1 : -1,
                         "%s: not a roster change: %s", path, msg);
        goto out;
    }
    memset(&d, 0, sizeof(d));
    if ((rc = conf_keyfile_read(kpath, seed, pk, &err, &d)) < 0) {
        rc = cli_fail_rn(rc == RN_EIO ? CLI_ERROR : CLI_REFUSED, rc, d.field, -1, "%s: %s", kpath,
                         rc == RN_EIO && err != 0 ? strerror(err)
                                                  : rn_diag_format(&d, msg, sizeof(msg)));
        goto out;
    }
    proto_key_sk_derive(seed, sk, pk);
    sodium_memzero(seed, sizeof(seed));
    rc = proto_rosterchain_change_sign(chg, sk, pk);
    sodium_memzero(sk, sizeof(sk));
    if (rc < 0) {
        rc = cli_fail_rn(CLI_REFUSED, rc, "signatures", -1, "%s: %s", path,
                         "30 signatures already (one per authority)");
        goto out;
    }
    if ((rc = proto_rosterchain_change_encode(chg, &b)) < 0) {
        rc = cli_fail_rn(CLI_ERROR, rc, NULL, -1, "cannot encode the change");
        goto out;
    }
    /* Written beside it, then renamed over it: a crash leaves the old document or the new. */
    if ((rc = write_new(tmp, &b)) != CLI_OK)
        goto out;
    if (rename(tmp, path) != 0) {
        rc = cli_fail(CLI_ERROR, "%s: cannot replace: %s", path, strerror(errno));
        (void)remove(tmp);
        goto out;
    }
    proto_key_text_format(pk, k);
    if (c->json) {
        json_t *o = json_pack("{s:s, s:s, s:I, s:i}", "change", path, "signer", k, "version",
                              (json_int_t)chg->version, "signatures", (int)chg->sigs_n);
        cli_json_print(o);
        json_decref(o);
    } else {
        printf("signed %s (version %llu) as %s; it holds %u signature%s:\n", path,
               (unsigned long long)chg->version, k, chg->sigs_n, chg->sigs_n == 1 ? "" : "s");
        for (uint32_t i = 0; i < chg->ops_n; i++)
            op_print(&chg->ops[i]);
        printf("Check it with: recnetctl roster verify GENESIS [CHANGE...] %s\n", path);
    }
    rc = CLI_OK;
out:
    free(buf);
    free(chg);
    mp_buf_free(&b);
    return rc;
}

/* ---- Online forms: roster propose, approve and show through the node (PROTOCOL.md 12.3) ---- */

/* A key given as rn1:... or as a secret key file (its public key). */
static int key_arg(const cli_cmd *cmd, const char *opt, const char *s, uint8_t key[PROTO_KEY_BYTES])
{
    uint8_t seed[PROTO_SEED_BYTES];
    int err = 0;
    rn_diag d;
    memset(&d, 0, sizeof(d));
    if (proto_key_text_parse(s, strlen(s), key) == 0)
        return CLI_OK;
    if (conf_keyfile_read(s, seed, key, &err, &d) == 0) {
        sodium_memzero(seed, sizeof(seed));
        return CLI_OK;
    }
    return cli_usage(cmd, "--%s %s: expected a key rn1:... or a key file", opt, s);
}

/* An op as the map roster.propose takes. */
static void op_map(mp_buf *b, const proto_rc_op *o)
{
    bool rot = o->type == PROTO_RC_ROTATE || o->type == PROTO_RC_ROTATE_COMPROMISED;
    bool comp = o->type == PROTO_RC_ROTATE_COMPROMISED;
    bool rc = o->type == PROTO_RC_ADD || o->type == PROTO_RC_SET;
    if (o->type == PROTO_RC_QUORUM) {
        mp_put_map(b, 2);
        mp_put_cstr(b, "op");
        mp_put_cstr(b, "quorum");
        mp_put_cstr(b, "quorum");
        mp_put_uint(b, o->quorum);
        return;
    }
    mp_put_map(b,
               2u + (rot ? 1u : 0u) + (rc ? 2u : 0u) + (comp ? (o->last_seq > 0 ? 2u : 1u) : 0u));
    mp_put_cstr(b, "op");
    mp_put_cstr(b, proto_rc_op_name((int)o->type));
    mp_put_cstr(b, "key");
    mp_put_bin(b, o->key, PROTO_KEY_BYTES);
    if (rot) {
        mp_put_cstr(b, "new_key");
        mp_put_bin(b, o->new_key, PROTO_KEY_BYTES);
    }
    if (rc) {
        mp_put_cstr(b, "role");
        mp_put_cstr(b, proto_role_name((int)o->role));
        mp_put_cstr(b, "country");
        mp_put_cstr(b, o->country);
    }
    if (comp) {
        mp_put_cstr(b, "last_seq");
        mp_put_uint(b, o->last_seq);
        if (o->last_seq > 0) {
            mp_put_cstr(b, "last_id");
            mp_put_bin(b, o->last_id, PROTO_ID_BYTES);
        }
    }
}

/* The ops of the flags: one of each kind at most, in the order add, remove, set, rotate,
 * rotate-compromised, quorum. */
static int ops_from_flags(const cli_cmd *cmd, cli_args *a, proto_rc_op *ops, uint32_t *n)
{
    const char *role = cli_optval(cmd, a, "role"), *cc = cli_optval(cmd, a, "country");
    const char *nk = cli_optval(cmd, a, "new-key"), *ls = cli_optval(cmd, a, "last-seq");
    const char *li = cli_optval(cmd, a, "last-id"), *q = cli_optval(cmd, a, "quorum");
    static const char *const kinds[] = { "add", "remove", "set", "rotate", "rotate-compromised" };
    static const proto_rc_optype types[] = { PROTO_RC_ADD, PROTO_RC_REMOVE, PROTO_RC_SET,
                                             PROTO_RC_ROTATE, PROTO_RC_ROTATE_COMPROMISED };
    int rc;
    for (size_t i = 0; i < 5; i++) {
        const char *v = cli_optval(cmd, a, kinds[i]);
        if (v == NULL)
            continue;
        proto_rc_op *o = &ops[(*n)++];
        memset(o, 0, sizeof(*o));
        o->type = types[i];
        if ((rc = key_arg(cmd, kinds[i], v, o->key)) != CLI_OK)
            return rc;
        if (o->type == PROTO_RC_ADD || o->type == PROTO_RC_SET) {
            const char *r = role != NULL ? role : "authority";
            if (strcmp(r, "authority") == 0)
                o->role = PROTO_ROLE_AUTHORITY;
            else if (strcmp(r, "mirror") == 0)
                o->role = PROTO_ROLE_MIRROR;
            else
                return cli_usage(cmd, "--role %s: expected authority or mirror", r);
            const char *c2 = cc != NULL ? cc : "";
            if (strcmp(c2, "EL") == 0)
                c2 = "GR";
            if (c2[0] != '\0' && !proto_country_is_canonical(c2, strlen(c2)))
                return cli_usage(cmd, "--country %s: not one of the 30 country codes", c2);
            if (o->role == PROTO_ROLE_AUTHORITY && c2[0] == '\0')
                return cli_usage(cmd, "--%s: an authority needs --country", kinds[i]);
            snprintf(o->country, sizeof(o->country), "%s", c2);
        }
        if (o->type == PROTO_RC_ROTATE || o->type == PROTO_RC_ROTATE_COMPROMISED) {
            if (nk == NULL)
                return cli_usage(cmd, "--%s needs --new-key rn1:...|KEYFILE", kinds[i]);
            if ((rc = key_arg(cmd, "new-key", nk, o->new_key)) != CLI_OK)
                return rc;
        }
        if (o->type == PROTO_RC_ROTATE_COMPROMISED) {
            char *end;
            if (ls == NULL)
                return cli_usage(cmd, "--rotate-compromised needs --last-seq N (0: trust none)");
            errno = 0;
            unsigned long long s = strtoull(ls, &end, 10);
            if (errno != 0 || end == ls || *end != '\0' || ls[0] == '-' || s > RN_SEQ_MAX)
                return cli_usage(cmd, "--last-seq %s: expected 0 to 2^53 - 1", ls);
            o->last_seq = s;
            size_t got = 0;
            if (s > 0 && (li == NULL || strlen(li) != 2 * PROTO_ID_BYTES ||
                          sodium_hex2bin(o->last_id, PROTO_ID_BYTES, li, strlen(li), NULL, &got,
                                         NULL) != 0 ||
                          got != PROTO_ID_BYTES))
                return cli_usage(cmd, "--last-id: the 64 hex digits of entry %llu's id", s);
        }
    }
    if (q != NULL) {
        proto_rc_op *o = &ops[(*n)++];
        memset(o, 0, sizeof(*o));
        o->type = PROTO_RC_QUORUM;
        if ((rc = parse_quorum(cmd, q, &o->quorum)) != CLI_OK)
            return rc;
    }
    return CLI_OK;
}

/* Prints a roster write's result. */
static void rc_result_print(cli *c, const rpc_resp *r, const char *what)
{
    json_t *j = rpc_to_json(r->result);
    if (c->json) {
        cli_json_print(j);
    } else {
        json_int_t v = json_integer_value(json_object_get(j, "version"));
        json_int_t s = json_integer_value(json_object_get(j, "signatures"));
        json_int_t need = json_integer_value(json_object_get(j, "signatures_needed"));
        const char *h = json_string_value(json_object_get(j, "hash"));
        printf("%s version %lld (change %s), entry %lld of this node's log: %lld of %lld "
               "signatures",
               what, (long long)v, h != NULL ? h : "?",
               (long long)json_integer_value(json_object_get(j, "seq")), (long long)s,
               (long long)need);
        if (json_is_true(json_object_get(j, "applied")))
            printf("; in force now\n");
        else
            printf("; other authorities approve it with: recnetctl roster approve %s\n",
                   h != NULL ? h : "HASH");
    }
    json_decref(j);
}

static int propose_online(cli *c, const cli_cmd *cmd, cli_args *a)
{
    proto_rc_op *ops = calloc(RN_ROSTERCHAIN_OPS_MAX, sizeof(*ops));
    uint32_t n = 0;
    uint64_t at = 0;
    const char *jpath = cli_optval(cmd, a, "change"), *ia = cli_optval(cmd, a, "issued-at");
    uint8_t *buf = NULL;
    json_t *doc = NULL;
    mp_buf p;
    rpc_resp r;
    int rc;
    memset(&r, 0, sizeof(r));
    mp_buf_init(&p, RN_CONTROL_REQUEST_BYTES_MAX);
    if (ops == NULL) {
        rc = cli_fail(CLI_ERROR, "out of memory");
        goto out;
    }
    if (cli_optval(cmd, a, "out") != NULL) {
        rc = cli_usage(cmd, "-o is for the offline form: GENESIS [CHANGE...] --change FILE -o OUT");
        goto out;
    }
    if (ia != NULL && (rc = issued_at(cmd, ia, &at)) != CLI_OK)
        goto out;
    if (jpath != NULL) {
        size_t len;
        char why[256];
        json_error_t jerr;
        if (cli_read_file(jpath, 1u << 20, &buf, &len, why, sizeof(why)) < 0) {
            rc = cli_fail(CLI_ERROR, "%s", why);
            goto out;
        }
        doc = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
        json_t *jops = json_object_get(doc, "ops");
        if (!json_is_array(jops) || json_array_size(jops) == 0 ||
            json_array_size(jops) > RN_ROSTERCHAIN_OPS_MAX) {
            rc = cli_fail_rn(CLI_REFUSED, RN_ECOUNT, "ops", -1, "%s: ops: expected 1 to %u ops",
                             jpath, RN_ROSTERCHAIN_OPS_MAX);
            goto out;
        }
        for (size_t i = 0; i < json_array_size(jops); i++)
            if ((rc = op_from_json(json_array_get(jops, i), i, &ops[n++], jpath)) != CLI_OK)
                goto out;
    }
    if ((rc = ops_from_flags(cmd, a, ops, &n)) != CLI_OK)
        goto out;
    if (n == 0 || n > RN_ROSTERCHAIN_OPS_MAX) {
        rc = cli_usage(cmd, "give the ops: --add, --remove, --set, --rotate, --rotate-compromised, "
                            "--quorum or --change FILE.json");
        goto out;
    }
    mp_put_array(&p, 2);
    mp_put_array(&p, n);
    for (uint32_t i = 0; i < n; i++)
        op_map(&p, &ops[i]);
    if (at != 0)
        mp_put_uint(&p, at);
    else
        mp_put_nil(&p);
    rc = cli_call(c, CTL_ROSTER_PROPOSE, &p, &r);
    if (rc == CLI_OK)
        rc_result_print(c, &r, "proposed");
out:
    rpc_resp_free(&r);
    mp_buf_free(&p);
    json_decref(doc);
    free(buf);
    free(ops);
    return rc;
}

static int approve_online(cli *c, const cli_cmd *cmd, cli_args *a)
{
    const char *arg = a->pos[0];
    uint8_t hash[PROTO_ID_BYTES];
    uint8_t *buf = NULL;
    size_t len = 0, got = 0;
    char why[256];
    mp_buf p;
    rpc_resp r;
    int rc;
    (void)cmd;
    memset(&r, 0, sizeof(r));
    mp_buf_init(&p, RN_ROSTERCHAIN_CHANGE_BYTES_MAX + 64u);
    mp_put_array(&p, 1);
    if (strlen(arg) == 2 * PROTO_ID_BYTES &&
        sodium_hex2bin(hash, sizeof(hash), arg, strlen(arg), NULL, &got, NULL) == 0 &&
        got == PROTO_ID_BYTES) {
        mp_put_bin(&p, hash, PROTO_ID_BYTES);
    } else {
        rc = cli_read_file(arg, RN_ROSTERCHAIN_CHANGE_BYTES_MAX, &buf, &len, why, sizeof(why));
        if (rc < 0) {
            rc = cli_fail_rn(rc == RN_ETOOBIG ? CLI_REFUSED : CLI_ERROR, rc, NULL, -1,
                             "%s (expected a change file or the 64 hex digits of a change's hash)",
                             why);
            goto out;
        }
        mp_put_bin(&p, buf, len);
    }
    rc = cli_call(c, CTL_ROSTER_APPROVE, &p, &r);
    if (rc == CLI_OK)
        rc_result_print(c, &r, "approved");
out:
    rpc_resp_free(&r);
    mp_buf_free(&p);
    free(buf);
    return rc;
}

/* roster show through the node. Returns CLI_NEGATIVE, printing nothing, when the node cannot be
 * asked or holds no governed roster (the caller shows the roster file instead). */
static int show_online(cli *c, const cli_cmd *cmd, cli_args *a, bool quiet_fallback)
{
    bool history = cli_optset(cmd, a, "history");
    const char *vs = cli_optval(cmd, a, "version"), *out = cli_optval(cmd, a, "out");
    uint64_t version = 0;
    char why[256];
    mp_buf p;
    rpc_resp r;
    int rc;
    memset(&r, 0, sizeof(r));
    if (vs != NULL) {
        char *end;
        errno = 0;
        version = strtoull(vs, &end, 10);
        if (errno != 0 || end == vs || *end != '\0' || vs[0] == '-' || version < 1)
            return cli_usage(cmd, "--version %s: expected a version from 1 (the genesis)", vs);
        if (out == NULL)
            return cli_usage(cmd, "--version N writes that version's document: give -o FILE");
    }
    const char *sock = cli_socket(c);
    if (sock == NULL)
        return CLI_USAGE;
    mp_buf_init(&p, 64);
    mp_put_array(&p, 2);
    mp_put_uint(&p, history ? 1u : 0u);
    if (version != 0)
        mp_put_uint(&p, version);
    else
        mp_put_nil(&p);
    rc = rpc_call(sock, CTL_ROSTER_SHOW, p.data, p.len, &r, why, sizeof(why));
    mp_buf_free(&p);
    if (quiet_fallback &&
        (rc != 0 || (r.is_error && (r.code == RN_ENOTFOUND && r.field[0] == '\0')) ||
         (r.is_error && r.code == RN_EINVAL))) {
        rpc_resp_free(&r);
        return CLI_NEGATIVE;
    }
    if (rc != 0) {
        rpc_resp_free(&r);
        return cli_fail_rn(CLI_UNREACHABLE, rc, NULL, -1, "%s", why);
    }
    if (r.is_error) {
        rc = cli_fail_rn(rpc_exit_code(&r), r.code, r.field[0] ? r.field : NULL,
                         r.has_index ? (long)r.index : -1, "%s", r.message);
        rpc_resp_free(&r);
        return rc;
    }
    json_t *j = rpc_to_json(r.result);
    if (version != 0) {
        mp_cur dv;
        const uint8_t *d;
        uint32_t dlen;
        mp_buf b;
        if (!rpc_map_get(r.result, "document", &dv) || mp_read_bin(&dv, &d, &dlen) < 0) {
            rc = cli_fail(CLI_ERROR, "the node's answer has no document");
        } else {
            mp_buf_init(&b, dlen + 1u);
            mp_buf_raw(&b, d, dlen);
            rc = write_new(out, &b);
            mp_buf_free(&b);
            if (rc == CLI_OK && !c->json)
                printf("wrote %s: version %llu as the node applied it\n", out,
                       (unsigned long long)version);
        }
        json_decref(j);
        rpc_resp_free(&r);
        return rc;
    }
    if (c->json) {
        cli_json_print(j);
    } else {
        json_t *m, *pend = json_object_get(j, "pending");
        size_t i;
        json_t *q = json_object_get(j, "quorum");
        printf("federation  %s\nid          %s\nversion     %lld\n",
               json_string_value(json_object_get(j, "federation")),
               json_string_value(json_object_get(j, "federation_id")),
               (long long)json_integer_value(json_object_get(j, "version")));
        printf("quorum      %s: %lld signatures a change\n\n",
               json_is_string(q) ? "majority" : "fixed",
               (long long)json_integer_value(json_object_get(j, "signatures_needed")));
        cli_table t;
        cli_table_init(&t, 3);
        cli_table_row(&t, "ROLE", "COUNTRY", "KEY");
        json_array_foreach(json_object_get(j, "members"), i, m)
        {
            const char *cc = json_string_value(json_object_get(m, "country"));
            cli_table_row(&t, json_string_value(json_object_get(m, "role")),
                          cc != NULL && cc[0] != '\0' ? cc : NULL,
                          json_string_value(json_object_get(m, "key")));
        }
        cli_table_print(&t);
        cli_table_free(&t);
        printf("\nPending changes: %zu\n", json_array_size(pend));
        json_array_foreach(pend, i, m)
        {
            size_t k;
            json_t *o, *s;
            printf("version %lld  change %s  %lld signatures, %lld more needed%s\n",
                   (long long)json_integer_value(json_object_get(m, "version")),
                   json_string_value(json_object_get(m, "hash")),
                   (long long)json_integer_value(json_object_get(m, "signatures")),
                   (long long)json_integer_value(json_object_get(m, "more_needed")),
                   json_is_true(json_object_get(m, "rotation_unsigned"))
                       ? " (and the rotated key's own)"
                       : "");
            json_array_foreach(json_object_get(m, "ops"), k, o)
            {
                const char *nk = json_string_value(json_object_get(o, "new_key"));
                const char *cc = json_string_value(json_object_get(o, "country"));
                printf("  %s %s%s%s%s%s\n", json_string_value(json_object_get(o, "op")),
                       json_object_get(o, "key") != NULL
                           ? json_string_value(json_object_get(o, "key"))
                           : "",
                       cc != NULL && cc[0] != '\0' ? " " : "", cc != NULL ? cc : "",
                       nk != NULL ? " -> " : "", nk != NULL ? nk : "");
            }
            json_array_foreach(json_object_get(m, "signers"), k, s)
                printf("  signed by %s\n", json_string_value(s));
        }
        if (history) {
            json_t *v, *p2;
            printf("\nHistory:\n");
            json_array_foreach(json_object_get(j, "versions"), i, v)
                printf("version %lld  %s  %lld signers\n",
                       (long long)json_integer_value(json_object_get(v, "version")),
                       json_string_value(json_object_get(v, "issued_at")),
                       (long long)json_integer_value(json_object_get(v, "signers")));
            cli_table kt;
            cli_table_init(&kt, 6);
            cli_table_row(&kt, "KEY", "ROLE", "COUNTRY", "FROM", "UNTIL", "END");
            json_array_foreach(json_object_get(j, "keys"), i, p2)
            {
                char from[24], until[24];
                snprintf(from, sizeof(from), "%lld",
                         (long long)json_integer_value(json_object_get(p2, "from")));
                snprintf(until, sizeof(until), "%lld",
                         (long long)json_integer_value(json_object_get(p2, "until")));
                const char *cc = json_string_value(json_object_get(p2, "country"));
                cli_table_row(&kt, json_string_value(json_object_get(p2, "key")),
                              json_string_value(json_object_get(p2, "role")),
                              cc != NULL && cc[0] != '\0' ? cc : NULL, from,
                              json_is_integer(json_object_get(p2, "until")) ? until : NULL,
                              json_string_value(json_object_get(p2, "end")));
            }
            printf("\nKeys:\n");
            cli_table_print(&kt);
            cli_table_free(&kt);
        }
    }
    json_decref(j);
    rpc_resp_free(&r);
    return CLI_OK;
}
