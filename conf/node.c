/*
 * node.c: the node configuration file (see node.h): its table of keys, their parsers, the checks
 * across keys, and the writer recnetctl init uses. The line reader is ini.c's; a row of the key
 * table names the key, how to parse its value and where it goes, so that adding a key is adding
 * a row.
 */
#include "conf/node.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf/file.h"
#include "conf/ini.h"
#include "proto/codes.h"

/* ---- Log levels and addresses ---- */

const char *nodeconf_log_level_name(int level)
{
    static const char *const names[] = { "error", "warn", "info", "debug" };
    if (level < NODECONF_LOG_ERROR || level > NODECONF_LOG_DEBUG)
        return NULL;
    return names[level];
}

int nodeconf_log_level_parse(const char *name)
{
    for (int l = NODECONF_LOG_ERROR; l <= NODECONF_LOG_DEBUG; l++)
        if (strcmp(name, nodeconf_log_level_name(l)) == 0)
            return l;
    return -1;
}

static bool is_host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-';
}

int nodeconf_addr_parse(const char *s, size_t len, nodeconf_addr *a)
{
    const char *colon = NULL;
    const char *host = s;
    size_t host_len = 0;

    for (size_t i = len; i > 0; i--)
        if (s[i - 1] == ':') {
            colon = s + i - 1;
            break;
        }
    if (colon == NULL)
        return RN_EINVAL;
    host_len = (size_t)(colon - s);
    if (host_len >= 2 && s[0] == '[' && colon[-1] == ']') {
        /* An IPv6 literal: hex digits, ':' and '.' (for a v4-mapped tail). */
        host = s + 1;
        host_len -= 2;
        if (host_len == 0)
            return RN_EINVAL;
        for (size_t i = 0; i < host_len; i++) {
            char c = host[i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
                  c == ':' || c == '.'))
                return RN_EINVAL;
        }
    } else {
        if (host_len == 0)
            return RN_EINVAL;
        for (size_t i = 0; i < host_len; i++)
            if (!is_host_char(host[i]))
                return RN_EINVAL;
    }
    if (host_len > NODECONF_HOST_MAX)
        return RN_EINVAL;

    char port[8];
    size_t port_len = len - (size_t)(colon + 1 - s);
    if (port_len == 0 || port_len >= sizeof(port))
        return RN_EINVAL;
    memcpy(port, colon + 1, port_len);
    port[port_len] = '\0';
    uint64_t p = 0;
    if (conf_u64_parse(port, 1, 65535, &p, NULL, 0) != 0)
        return RN_EINVAL;

    memcpy(a->host, host, host_len);
    a->host[host_len] = '\0';
    a->port = (uint16_t)p;
    return 0;
}

char *nodeconf_addr_format(const nodeconf_addr *a, char *out, size_t len)
{
    bool v6 = strchr(a->host, ':') != NULL;
    snprintf(out, len, v6 ? "[%s]:%u" : "%s:%u", a->host, (unsigned)a->port);
    return out;
}

/* ---- The node configuration ---- */

enum { SEC_NODE, SEC_PEERS, SEC_LIMITS, SEC_STORE, SEC_HTTP, SEC_COUNT };
static const char *const node_sections[SEC_COUNT] = { "node", "peers", "limits", "store", "http" };

typedef struct conf_parse {
    nodeconf *c;
    char dir[NODECONF_PATH_MAX];      /* directory of the file, "" for the current one */
    unsigned section_seen[SEC_COUNT]; /* line of each section header, 0 if absent */
    uint64_t keys_seen;               /* bit i: row i of the key table given */
    unsigned last_line;
} conf_parse;

typedef struct conf_key conf_key;
typedef void (*conf_set_fn)(parse *p, const conf_key *k, const char *value, bool continuation);

struct conf_key {
    int section;
    const char *name;
    conf_set_fn set;
    size_t offset;     /* limits: offset of the uint32_t field in nodeconf_limits */
    uint32_t min, max; /* limits: bounds */
    bool required;
};

static void set_country(parse *p, const conf_key *k, const char *v, bool cont);
static void set_path(parse *p, const conf_key *k, const char *v, bool cont);
static void set_listen(parse *p, const conf_key *k, const char *v, bool cont);
static void set_log_level(parse *p, const conf_key *k, const char *v, bool cont);
static void set_dial(parse *p, const conf_key *k, const char *v, bool cont);
static void set_limit(parse *p, const conf_key *k, const char *v, bool cont);
static void set_map_size(parse *p, const conf_key *k, const char *v, bool cont);
static void set_check_at_start(parse *p, const conf_key *k, const char *v, bool cont);
static void set_http_listen(parse *p, const conf_key *k, const char *v, bool cont);
static void set_http_rate(parse *p, const conf_key *k, const char *v, bool cont);
static void set_roster_changes(parse *p, const conf_key *k, const char *v, bool cont);
static void set_checkpoint_interval(parse *p, const conf_key *k, const char *v, bool cont);

#define LIMIT(field, lo, hi)                                                                       \
    { SEC_LIMITS, #field, set_limit, offsetof(nodeconf_limits, field), (lo), (hi), false },

/* The bounds of the limits are NODECONF_LIMITS's (node.h). */
static const conf_key conf_keys[] = {
    { SEC_NODE, "country", set_country, 0, 0, 0, true },
    { SEC_NODE, "data_dir", set_path, offsetof(nodeconf, data_dir), 0, 0, true },
    { SEC_NODE, "listen", set_listen, 0, 0, 0, true },
    { SEC_NODE, "roster", set_path, offsetof(nodeconf, roster), 0, 0, true },
    { SEC_NODE, "key_file", set_path, offsetof(nodeconf, key_file), 0, 0, false },
    { SEC_NODE, "network_key_file", set_path, offsetof(nodeconf, network_key_file), 0, 0, false },
    { SEC_NODE, "log_level", set_log_level, 0, 0, 0, false },
    { SEC_NODE, "roster_chain", set_path, offsetof(nodeconf, roster_chain), 0, 0, false },
    { SEC_NODE, "roster_changes", set_roster_changes, 0, 0, 0, false },
    { SEC_NODE, "checkpoint_interval", set_checkpoint_interval, 0, 0,
      NODECONF_CHECKPOINT_INTERVAL_S_MAX, false },
    { SEC_PEERS, "dial", set_dial, 0, 0, 0, false },
    NODECONF_LIMITS(LIMIT){ SEC_STORE, "map_size", set_map_size, 0, 0, 0, false },
    { SEC_STORE, "check_at_start", set_check_at_start, 0, 0, 0, false },
    { SEC_HTTP, "listen", set_http_listen, 0, 0, 0, false },
    { SEC_HTTP, "rate_per_s", set_http_rate, 0, 0, 1000000, false },
    { SEC_HTTP, "tls_cert", set_path, offsetof(nodeconf, http_tls_cert), 0, 0, false },
    { SEC_HTTP, "tls_key", set_path, offsetof(nodeconf, http_tls_key), 0, 0, false },
    { SEC_HTTP, "issuer_docs", set_path, offsetof(nodeconf, http_issuer_docs), 0, 0, false },
    { SEC_HTTP, "trust", set_path, offsetof(nodeconf, http_trust), 0, 0, false },
};
#define CONF_KEYS_N (sizeof(conf_keys) / sizeof(conf_keys[0]))

/* The core's defaults for the two limits checked against each other (node/core.h). */
#define BACKOFF_MIN_DEFAULT 100u
#define BACKOFF_MAX_DEFAULT 30000u
static_assert(CONF_KEYS_N <= 64, "keys_seen is a 64-bit mask");

static void set_country(parse *p, const conf_key *k, const char *v, bool cont)
{
    conf_parse *cp = p->ctx;
    (void)k;
    (void)cont;
    const proto_country *pc = proto_country_find(v, strlen(v));
    if (pc == NULL) {
        conf_perr(p, RN_ECOUNTRY, "node.country: \"%s\" is not one of the 30 country codes", v);
        return;
    }
    memcpy(cp->c->country, pc->alpha2, 3);
}

static void set_path(parse *p, const conf_key *k, const char *v, bool cont)
{
    conf_parse *cp = p->ctx;
    (void)cont;
    if (v[0] == '\0') {
        conf_perr(p, RN_EINVAL, "%s.%s: empty path", node_sections[k->section], k->name);
        return;
    }
    if (conf_path_resolve(cp->dir, v, (char *)cp->c + k->offset, NODECONF_PATH_MAX) != 0)
        conf_perr(p, RN_ETOOBIG, "%s.%s: path longer than %u bytes", node_sections[k->section],
                  k->name, NODECONF_PATH_MAX - 1);
}

static void set_listen(parse *p, const conf_key *k, const char *v, bool cont)
{
    conf_parse *cp = p->ctx;
    (void)k;
    (void)cont;
    unsigned char ip[16];
    if (nodeconf_addr_parse(v, strlen(v), &cp->c->listen) != 0)
        conf_perr(p, RN_EINVAL, "node.listen: \"%s\" is not host:port (port 1..65535)", v);
    else if (inet_pton(AF_INET, cp->c->listen.host, ip) != 1 &&
             inet_pton(AF_INET6, cp->c->listen.host, ip) != 1)
        conf_perr(p, RN_EINVAL, "node.listen: \"%s\": the host must be an IP address", v);
}

/* [node] checkpoint_interval: seconds between the node's checkpoints, 0 for none. */
static void set_checkpoint_interval(parse *p, const conf_key *k, const char *v, bool cont)
{
    conf_parse *cp = p->ctx;
    (void)cont;
    uint64_t n = 0;
    bool ok = v[0] != '\0' && strlen(v) <= 6;
    for (const char *q = v; ok && *q != '\0'; q++) {
        ok = *q >= '0' && *q <= '9';
        n = n * 10u + (uint64_t)(*q - '0');
    }
    if (!ok || n > k->max) {
        conf_perr(p, RN_EINVAL,
                  "node.checkpoint_interval: \"%s\" is not a number of seconds from 0 to %u", v,
                  k->max);
        return;
    }
    cp->c->checkpoint_interval_s = (uint32_t)n;
    cp->c->checkpoint_interval_set = true;
}

/* [http] listen: the gateway's address, an IP literal and a port like node.listen. */
static void set_http_listen(parse *p, const conf_key *k, const char *v, bool cont)
{
    conf_parse *cp = p->ctx;
    (void)k;
    (void)cont;
    unsigned char ip[16];
    if (nodeconf_addr_parse(v, strlen(v), &cp->c->http_listen) != 0)
        conf_perr(p, RN_EINVAL, "http.listen: \"%s\" is not host:port (port 1..65535)", v);
    else if (inet_pton(AF_INET, cp->c->http_listen.host, ip) != 1 &&
             inet_pton(AF_INET6, cp->c->http_listen.host, ip) != 1)
        conf_perr(p, RN_EINVAL, "http.listen: \"%s\": the host must be an IP address", v);
}

/* [http] rate_per_s: a number within the key's bounds; 0 turns the per-address limit off. */
static void set_http_rate(parse *p, const conf_key *k, const char *v, bool cont)
{
    conf_parse *cp = p->ctx;
    (void)cont;
    uint64_t n = 0;
    bool ok = v[0] != '\0' && strlen(v) <= 7;
    for (const char *q = v; ok && *q != '\0'; q++) {
        ok = *q >= '0' && *q <= '9';
        n = n * 10u + (uint64_t)(*q - '0');
    }
    if (!ok || n > k->max) {
        conf_perr(p, RN_EINVAL, "http.rate_per_s: \"%s\" is not a number from 0 to %u", v, k->max);
        return;
    }
    cp->c->http_rate_per_s = (uint32_t)n;
    cp->c->http_rate_set = true;
}

static void set_log_level(parse *p, const conf_key *k, const char *v, bool cont)
{
    conf_parse *cp = p->ctx;
    (void)k;
    (void)cont;
    int l = nodeconf_log_level_parse(v);
    if (l < 0) {
        conf_perr(p, RN_EINVAL, "node.log_level: \"%s\" is not error, warn, info or debug", v);
        return;
    }
    cp->c->log_level = (nodeconf_log_level)l;
}

/* roster_changes = PATH [PATH ...]: change documents, or directories of them, separated by
 * blanks (a path with a blank in it cannot be named here: use its directory). Each is resolved as
 * every path is; whether it exists is the node's to check when it reads them. */
static void set_roster_changes(parse *p, const conf_key *k, const char *v, bool cont)
{
    conf_parse *cp = p->ctx;
    nodeconf *c = cp->c;
    char one[NODECONF_PATH_MAX];
    (void)k;
    (void)cont;
    c->roster_changes_n = 0;
    for (const char *s = v; *s != '\0';) {
        while (*s == ' ' || *s == '\t')
            s++;
        size_t n = strcspn(s, " \t");
        if (n == 0)
            break;
        if (c->roster_changes_n == RN_ROSTER_CHANGE_PATHS_MAX) {
            conf_perr(p, RN_ETOOBIG, "node.roster_changes: more than %u paths",
                      RN_ROSTER_CHANGE_PATHS_MAX);
            return;
        }
        if (n < sizeof(one)) {
            memcpy(one, s, n);
            one[n] = '\0';
        }
        if (n >= sizeof(one) ||
            conf_path_resolve(cp->dir, one, c->roster_changes[c->roster_changes_n],
                              NODECONF_PATH_MAX) != 0) {
            conf_perr(p, RN_ETOOBIG, "node.roster_changes: path longer than %u bytes",
                      NODECONF_PATH_MAX - 1);
            return;
        }
        c->roster_changes_n++;
        s += n;
    }
    if (c->roster_changes_n == 0)
        conf_perr(p, RN_EINVAL, "node.roster_changes: empty path");
}

/* dial = A, B, C; may continue on indented lines. Empty items are skipped, so a trailing comma
 * is harmless and "dial =" alone means: dial nobody. */
static void set_dial(parse *p, const conf_key *k, const char *v, bool cont)
{
    conf_parse *cp = p->ctx;
    nodeconf *c = cp->c;
    (void)k;
    if (!cont) {
        c->dial_set = true;
        c->dial_line = p->line;
    }
    /* inih cuts an inline comment off a key line's value but not off a continuation line's: it
     * ends here, at a ';' after a blank, on both (PROTOCOL.md section 15.1). */
    size_t n_v = strlen(v);
    for (size_t i = 1; cont && i < n_v; i++)
        if (v[i] == ';' && conf_is_ws(v[i - 1])) {
            n_v = i;
            break;
        }
    const char *stop = v + n_v;
    const char *s = v;
    while (s < stop) {
        while (s < stop && (*s == ',' || conf_is_ws(*s)))
            s++;
        const char *e = s;
        while (e < stop && *e != ',' && !conf_is_ws(*e))
            e++;
        size_t n = (size_t)(e - s);
        if (n == 0)
            break;
        if (!conf_name_valid(s, n)) {
            conf_perr(p, RN_EINVAL, "peers.dial: \"%.*s\" is not a member name or country", (int)n,
                      s);
            return;
        }
        if (c->dial_n == NODECONF_DIAL_MAX) {
            conf_perr(p, RN_ETOOBIG, "peers.dial: more than %u peers", NODECONF_DIAL_MAX);
            return;
        }
        memcpy(c->dial[c->dial_n], s, n);
        c->dial[c->dial_n][n] = '\0';
        c->dial_n++;
        s = e;
    }
}

static void set_limit(parse *p, const conf_key *k, const char *v, bool cont)
{
    conf_parse *cp = p->ctx;
    (void)cont;
    uint64_t x = 0;
    char msg[256];
    if (conf_u64_parse(v, k->min, k->max, &x, msg, sizeof(msg)) != 0) {
        conf_perr(p, RN_EINVAL, "limits.%s: %s", k->name, msg);
        return;
    }
    uint32_t x32 = (uint32_t)x;
    memcpy((char *)&cp->c->limits + k->offset, &x32, sizeof(x32));
}

/* map_size = N[K|M|G|T]: bytes, or KiB, MiB, GiB, TiB with a suffix (no blank before it). */
static void set_map_size(parse *p, const conf_key *k, const char *v, bool cont)
{
    conf_parse *cp = p->ctx;
    (void)k;
    (void)cont;
    static const char units[] = "KMGT";
    char num[32];
    size_t n = strlen(v);
    unsigned shift = 0;
    const char *u = n > 0 ? strchr(units, v[n - 1]) : NULL;
    if (u != NULL) {
        shift = 10u * (unsigned)(u - units + 1);
        n--;
    }
    uint64_t x = 0;
    char msg[256];
    if (n > 0 && n < sizeof(num)) {
        memcpy(num, v, n);
        num[n] = '\0';
    }
    if (n == 0 || n >= sizeof(num) ||
        conf_u64_parse(num, 1, NODECONF_MAP_BYTES_MAX >> shift, &x, msg, sizeof(msg)) != 0 ||
        (x << shift) < NODECONF_MAP_BYTES_MIN) {
        conf_perr(
            p, RN_EINVAL,
            "store.map_size: \"%s\" is not a size from 1M to 1T (bytes, or a number with K, M, G "
            "or T)",
            v);
        return;
    }
    cp->c->map_bytes = x << shift;
}

static void set_check_at_start(parse *p, const conf_key *k, const char *v, bool cont)
{
    conf_parse *cp = p->ctx;
    (void)k;
    (void)cont;
    if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
        cp->c->check_at_start = true;
    else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0)
        cp->c->check_at_start = false;
    else
        conf_perr(p, RN_EINVAL, "store.check_at_start: \"%s\" is not yes or no", v);
}

static void conf_section(parse *p, const char *name)
{
    conf_parse *cp = p->ctx;
    p->section = -1;
    for (int i = 0; i < SEC_COUNT; i++) {
        if (strcmp(name, node_sections[i]) != 0)
            continue;
        if (cp->section_seen[i] != 0) {
            conf_perr(p, RN_EDUPLICATE, "[%s]: section given twice (first at line %u)", name,
                      cp->section_seen[i]);
            return;
        }
        cp->section_seen[i] = p->line;
        p->section = i;
        return;
    }
    conf_perr(p, RN_EUNKNOWNFIELD,
              "[%s]: unknown section (expected [node], [peers], [limits], [store] or [http])",
              name);
}

static void conf_key_fn(parse *p, const char *key, const char *value, bool cont)
{
    conf_parse *cp = p->ctx;
    const char *sec = node_sections[p->section];
    for (size_t i = 0; i < CONF_KEYS_N; i++) {
        const conf_key *k = &conf_keys[i];
        if (k->section != p->section || strcmp(k->name, key) != 0)
            continue;
        if (cont && k->set != set_dial) {
            conf_perr(p, RN_EINVAL, "%s.%s: value continues on an indented line", sec, key);
            return;
        }
        if (!cont && (cp->keys_seen & (1ull << i))) {
            conf_perr(p, RN_EDUPLICATE, "%s.%s: key given twice", sec, key);
            return;
        }
        cp->keys_seen |= 1ull << i;
        k->set(p, k, value, cont);
        return;
    }
    conf_perr(p, RN_EUNKNOWNFIELD, "%s.%s: unknown key", sec, key);
}

/* nodeconf_load, or nodeconf_parse when `buf` is not NULL. */
static int conf_load(nodeconf *c, const char *path, const char *buf, size_t len, char *err,
                     size_t err_len)
{
    conf_parse *cp = calloc(1, sizeof(*cp));
    parse *p = calloc(1, sizeof(*p));
    int rc = 0;
    if (cp == NULL || p == NULL) {
        rc = conf_fail(err, err_len, RN_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    memset(c, 0, sizeof(*c));
    c->log_level = NODECONF_LOG_INFO;
    c->checkpoint_interval_s = NODECONF_CHECKPOINT_INTERVAL_S_DEFAULT;
    if (conf_str_copy(c->path, sizeof(c->path), path) != 0 ||
        conf_file_dir(path, cp->dir, sizeof(cp->dir)) != 0) {
        rc = conf_fail(err, err_len, RN_ETOOBIG, "%s: path too long", path);
        goto out;
    }
    cp->c = c;
    p->ctx = cp;
    p->on_section = conf_section;
    p->on_key = conf_key_fn;
    rc = conf_ini_read(p, path, buf, len);
    if (rc != 0) {
        conf_fail(err, err_len, rc, "%s", p->err);
        goto out;
    }

    /* Required keys, reported at their section's header (or the end of the file). */
    for (size_t i = 0; i < CONF_KEYS_N; i++) {
        const conf_key *k = &conf_keys[i];
        if (!k->required || (cp->keys_seen & (1ull << i)))
            continue;
        unsigned at = cp->section_seen[k->section];
        if (at != 0)
            rc = conf_fail(err, err_len, RN_EMISSING, "%s:%u: %s.%s: required key is missing", path,
                           at, node_sections[k->section], k->name);
        else
            rc = conf_fail(err, err_len, RN_EMISSING,
                           "%s:%u: %s.%s: required key is missing (no [%s] section)", path, p->line,
                           node_sections[k->section], k->name, node_sections[k->section]);
        goto out;
    }
    /* Against each other as the core will see them, defaults (node/core.c) filled in. */
    uint32_t bmin = c->limits.backoff_min_ms != 0 ? c->limits.backoff_min_ms : BACKOFF_MIN_DEFAULT;
    uint32_t bmax = c->limits.backoff_max_ms != 0 ? c->limits.backoff_max_ms : BACKOFF_MAX_DEFAULT;
    if (bmin > bmax) {
        rc = conf_fail(err, err_len, RN_EINVAL,
                       "%s:%u: limits.backoff_max_ms: %u is below backoff_min_ms (%u)", path,
                       cp->section_seen[SEC_LIMITS], bmax, bmin);
        goto out;
    }
    /* Changes follow a genesis. */
    if (c->roster_changes_n > 0 && c->roster_chain[0] == '\0') {
        rc = conf_fail(err, err_len, RN_EINVAL,
                       "%s:%u: node.roster_changes: changes need node.roster_chain, their genesis",
                       path, cp->section_seen[SEC_NODE]);
        goto out;
    }
    /* TLS takes a certificate and its key, for a gateway that listens. */
    if ((c->http_tls_cert[0] != '\0') != (c->http_tls_key[0] != '\0') ||
        (c->http_tls_cert[0] != '\0' && c->http_listen.port == 0)) {
        rc = conf_fail(err, err_len, RN_EINVAL,
                       "%s:%u: http: tls_cert and tls_key go together, and with listen", path,
                       cp->section_seen[SEC_HTTP]);
        goto out;
    }
    /* What POST /v1/verify reads is for a gateway that listens. */
    if ((c->http_issuer_docs[0] != '\0' || c->http_trust[0] != '\0') && c->http_listen.port == 0) {
        rc = conf_fail(err, err_len, RN_EINVAL,
                       "%s:%u: http: issuer_docs and trust are for a gateway: give listen", path,
                       cp->section_seen[SEC_HTTP]);
        goto out;
    }
    {
        char why[NODECONF_ERR_MAX];
        if (nodeconf_socket_path_check(c->data_dir, why, sizeof(why)) != 0) {
            rc = conf_fail(err, err_len, RN_ETOOBIG, "%s: %s", path, why);
            goto out;
        }
    }
    if (c->key_file[0] == '\0' &&
        conf_path_resolve(c->data_dir, "node.key", c->key_file, sizeof(c->key_file)) != 0) {
        rc = conf_fail(err, err_len, RN_ETOOBIG, "%s: node.data_dir: path too long", path);
        goto out;
    }
    if (c->network_key_file[0] == '\0' &&
        conf_path_resolve(c->data_dir, "network.key", c->network_key_file,
                          sizeof(c->network_key_file)) != 0) {
        rc = conf_fail(err, err_len, RN_ETOOBIG, "%s: node.data_dir: path too long", path);
        goto out;
    }
out:
    free(cp);
    free(p);
    return rc;
}

int nodeconf_load(nodeconf *c, const char *path, char *err, size_t err_len)
{
    return conf_load(c, path, NULL, 0, err, err_len);
}

int nodeconf_parse(nodeconf *c, const char *path, const char *buf, size_t len, char *err,
                   size_t err_len)
{
    return conf_load(c, path, buf, len, err, err_len);
}

int nodeconf_socket_path_check(const char *data_dir, char *err, size_t err_len)
{
    static const char sock[] = "/control.sock";
    size_t n = strlen(data_dir) + sizeof(sock) - 1;
    if (n > NODECONF_SOCKET_PATH_MAX)
        return conf_fail(err, err_len, RN_ETOOBIG,
                         "node.data_dir: %s%s would be %zu bytes, longer than a Unix socket path "
                         "allows (%u): choose a shorter data directory",
                         data_dir, sock, n, NODECONF_SOCKET_PATH_MAX);
    return 0;
}

/* ---- Writing ---- */

/* Whether the value `v`, written as "key = v", reads back as v: inih strips blanks at both ends
 * and cuts the value at a ';' that follows a blank; a control character would end or corrupt
 * the line. */
static bool value_reads_back(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || v[0] == ' ' || v[0] == '\t' || v[n - 1] == ' ' || v[n - 1] == '\t')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)v[i];
        if (ch < 0x20 || ch == 0x7f)
            return false;
        if (ch == ';' && i > 0 && (v[i - 1] == ' ' || v[i - 1] == '\t'))
            return false;
    }
    return true;
}

int nodeconf_write(const char *path, const nodeconf *c, char *err, size_t err_len)
{
    conf_text *t = calloc(1, sizeof(*t));
    char addr[300];
    int rc = 0;
    if (t == NULL)
        return conf_fail(err, err_len, RN_ENOMEM, "%s: out of memory", path);
    if (proto_country_find(c->country, strlen(c->country)) == NULL || c->data_dir[0] == '\0' ||
        c->roster[0] == '\0' || c->listen.port == 0 || c->listen.host[0] == '\0' ||
        nodeconf_log_level_name((int)c->log_level) == NULL) {
        rc = conf_fail(err, err_len, RN_EINVAL,
                       "%s: country, data_dir, listen and roster are required", path);
        goto out;
    }
    const struct {
        const char *key;
        const char *value;
    } paths[] = { { "data_dir", c->data_dir },
                  { "roster", c->roster },
                  { "key_file", c->key_file },
                  { "network_key_file", c->network_key_file } };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        if (paths[i].value[0] != '\0' && !value_reads_back(paths[i].value)) {
            rc = conf_fail(
                err, err_len, RN_EINVAL,
                "%s: node.%s: \"%s\" would not read back as written (a blank at either end, a "
                "';' after a blank, or a control character)",
                path, paths[i].key, paths[i].value);
            goto out;
        }
    for (size_t i = 0; i < c->dial_n; i++)
        if (!conf_name_valid(c->dial[i], strlen(c->dial[i]))) {
            rc = conf_fail(err, err_len, RN_EINVAL,
                           "%s: peers.dial: \"%s\" is not a member name or country", path,
                           c->dial[i]);
            goto out;
        }
    conf_tprintf(t, "; recnetd configuration (node/README.md describes every key)\n[node]\n");
    conf_tprintf(t, "country = %s\n", c->country);
    conf_tprintf(t, "data_dir = %s\n", c->data_dir);
    conf_tprintf(t, "listen = %s\n", nodeconf_addr_format(&c->listen, addr, sizeof(addr)));
    conf_tprintf(t, "roster = %s\n", c->roster);
    if (c->key_file[0] != '\0')
        conf_tprintf(t, "key_file = %s\n", c->key_file);
    if (c->network_key_file[0] != '\0')
        conf_tprintf(t, "network_key_file = %s\n", c->network_key_file);
    conf_tprintf(t, "log_level = %s\n", nodeconf_log_level_name((int)c->log_level));
    if (c->roster_chain[0] != '\0')
        conf_tprintf(t, "roster_chain = %s\n", c->roster_chain);
    for (size_t i = 0; i < c->roster_changes_n; i++)
        conf_tprintf(t, i == 0 ? "roster_changes = %s" : " %s", c->roster_changes[i]);
    if (c->roster_changes_n > 0)
        conf_tprintf(t, "\n");
    if (c->checkpoint_interval_set)
        conf_tprintf(t, "checkpoint_interval = %u\n", c->checkpoint_interval_s);
    if (c->dial_set) {
        conf_tprintf(t, "\n[peers]\ndial =");
        for (size_t i = 0; i < c->dial_n; i++)
            conf_tprintf(t, i == 0 ? " %s" : ",\n    %s", c->dial[i]);
        conf_tprintf(t, "\n");
    }
    bool limits_header = false;
    for (size_t i = 0; i < CONF_KEYS_N; i++) {
        const conf_key *k = &conf_keys[i];
        if (k->section != SEC_LIMITS)
            continue;
        uint32_t v = 0;
        memcpy(&v, (const char *)&c->limits + k->offset, sizeof(v));
        if (v == 0)
            continue;
        if (v < k->min || v > k->max) {
            rc = conf_fail(err, err_len, RN_EINVAL, "%s: limits.%s: %u is outside %u..%u", path,
                           k->name, v, k->min, k->max);
            goto out;
        }
        if (!limits_header)
            conf_tprintf(t, "\n[limits]\n");
        limits_header = true;
        conf_tprintf(t, "%s = %u\n", k->name, v);
    }
    if (c->http_listen.port != 0) {
        conf_tprintf(t, "\n[http]\nlisten = %s\n",
                     nodeconf_addr_format(&c->http_listen, addr, sizeof(addr)));
        if (c->http_rate_set)
            conf_tprintf(t, "rate_per_s = %u\n", c->http_rate_per_s);
        if (c->http_tls_cert[0] != '\0')
            conf_tprintf(t, "tls_cert = %s\ntls_key = %s\n", c->http_tls_cert, c->http_tls_key);
        if (c->http_issuer_docs[0] != '\0')
            conf_tprintf(t, "issuer_docs = %s\n", c->http_issuer_docs);
        if (c->http_trust[0] != '\0')
            conf_tprintf(t, "trust = %s\n", c->http_trust);
    }
    if (t->overflow) {
        rc = conf_fail(err, err_len, RN_ETOOBIG, "%s: configuration too long", path);
        goto out;
    }
    /* Every line must read back: a path too long for one line would not. */
    for (const char *l = t->buf; *l != '\0';) {
        const char *e = strchr(l, '\n');
        if ((size_t)(e - l) > NODECONF_LINE_MAX) {
            rc =
                conf_fail(err, err_len, RN_ETOOBIG, "%s: a line would pass %u characters: %.40s...",
                          path, NODECONF_LINE_MAX, l);
            goto out;
        }
        l = e + 1;
    }
    rc = conf_file_create_err(path, t->buf, t->len, 0644, err, err_len);
out:
    free(t);
    return rc;
}
