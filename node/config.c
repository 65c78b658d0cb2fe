/*
 * config.c: the node configuration, the roster file and the network key file (see config.h).
 *
 * Both INI files go through inih's ini_parse_stream with our own line reader. inih tells its
 * handler the section, key and value but not the line, and it calls nothing for a section
 * header; the reader sees every physical line first, so it counts lines, refuses lines longer
 * than inih's buffer (which inih would otherwise split in two), and recognises section headers
 * and continuation lines the way inih will classify them. The handler then looks the key up in
 * one table per file: a table row names the key, how to parse its value and where it goes, so
 * that adding a key is adding a row.
 *
 * Only the first error is kept (the earliest line): one clear message is what an operator fixes.
 */
#include "node/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>
#include <sodium.h>

#include "proto/codes.h"
#include "proto/key.h"

/* ---- Errors ---- */

/* Writes "fmt..." into err (when not NULL) and returns code. */
__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t err_len, int code,
                                                      const char *fmt, ...)
{
    if (err != NULL && err_len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_len, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* ---- Small parsers ---- */

/* A decimal number: digits only (no sign, no space, no "0x"), no overflow, within min..max.
 * Returns 0, or RN_EINVAL with a message ("x is not a number", "0 is outside 1..1024"). */
static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *msg,
                     size_t msg_len)
{
    if (s[0] < '0' || s[0] > '9')
        return fail(msg, msg_len, RN_EINVAL, "\"%s\" is not a decimal number", s);
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        return fail(msg, msg_len, RN_EINVAL, "\"%s\" is not a decimal number%s", s,
                    errno == ERANGE ? " (too large)" : "");
    if (v < min || v > max)
        return fail(msg, msg_len, RN_EINVAL, "%llu is outside %llu..%llu", v,
                    (unsigned long long)min, (unsigned long long)max);
    *out = v;
    return 0;
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
    if (parse_u64(port, 1, 65535, &p, NULL, 0) != 0)
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

/* A member name: 1..NODECONF_NAME_MAX of [A-Za-z0-9._-]. */
static bool name_valid(const char *s, size_t len)
{
    if (len == 0 || len > NODECONF_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* Copies src into dst[0..cap) or fails when it does not fit. */
static int copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        return RN_ETOOBIG;
    memcpy(dst, src, n + 1);
    return 0;
}

/* Resolves `p` against directory `dir` (of the config file) into out[0..cap): absolute paths and
 * paths of a config read from the current directory are kept as they are. */
static int resolve_path(const char *dir, const char *p, char *out, size_t cap)
{
    if (p[0] == '/' || dir[0] == '\0') {
        RN_TRY(copy_str(out, cap, p));
        return 0;
    }
    int n = snprintf(out, cap, "%s/%s", dir, p);
    if (n < 0 || (size_t)n >= cap)
        return RN_ETOOBIG;
    return 0;
}

/* ---- The line reader and the parse state shared by both files ---- */

typedef struct parse parse;

/* Called by the reader at each section header, with its text between the brackets. */
typedef void (*section_fn)(parse *p, const char *name);
/* Called by the handler for each key (or continuation of one). */
typedef void (*key_fn)(parse *p, const char *key, const char *value, bool continuation);

struct parse {
    FILE *f;
    const char *path;
    unsigned line;     /* physical line last read, 1-based */
    bool key_seen;     /* inih's prev_name is set: an indented line continues a value */
    bool continuation; /* the line just read continues the previous key's value */
    int section;       /* index into the file's section table, -1 for none or unknown */
    unsigned section_line;
    char err[NODECONF_ERR_MAX];
    unsigned err_line; /* line of the first error, 0 for none */
    int err_code;
    section_fn on_section;
    key_fn on_key;
    void *ctx; /* the nodeconf or roster being filled */
};

/* Records an error at the current line unless an earlier one is already recorded. */
__attribute__((format(printf, 3, 4))) static void perr(parse *p, int code, const char *fmt, ...)
{
    if (p->err_line != 0)
        return;
    char msg[NODECONF_ERR_MAX - 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(p->err, sizeof(p->err), "%s:%u: %s", p->path, p->line, msg);
    p->err_line = p->line == 0 ? 1 : p->line;
    p->err_code = code;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* inih's reader: one physical line per call. Classifies the line as inih will, so that section
 * headers reach on_section and continuation lines are flagged for the handler. */
static char *read_line(char *buf, int num, void *stream)
{
    parse *p = stream;
    /* fgets ends what it read with a NUL and says nothing of NULs it read: with the buffer
     * filled beforehand, the last NUL in it is fgets's, and any before it came from the file. */
    memset(buf, 1, (size_t)num);
    if (fgets(buf, num, p->f) == NULL)
        return NULL;
    p->line++;
    p->continuation = false;

    size_t len = strlen(buf);
    size_t term = (size_t)num - 1;
    while (term > len && buf[term] != '\0')
        term--;
    if (term != len) {
        int c = buf[term - 1];
        while (c != '\n' && (c = fgetc(p->f)) != EOF)
            ;
        perr(p, RN_EINVAL, "a NUL byte (the file is text)");
        buf[0] = '\0';
        return buf;
    }
    if (len > 0 && buf[len - 1] != '\n' && !feof(p->f)) {
        /* Longer than inih's buffer: report it, skip the rest, and hand inih an empty line. */
        int c;
        while ((c = fgetc(p->f)) != EOF && c != '\n')
            ;
        perr(p, RN_ETOOBIG, "line longer than %u characters", NODECONF_LINE_MAX);
        buf[0] = '\0';
        return buf;
    }
    size_t content = len;
    while (content > 0 && (buf[content - 1] == '\n' || buf[content - 1] == '\r'))
        content--;
    if (content > NODECONF_LINE_MAX) {
        perr(p, RN_ETOOBIG, "line longer than %u characters", NODECONF_LINE_MAX);
        buf[0] = '\0';
        return buf;
    }

    const char *s = buf;
    if (p->line == 1 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
        (unsigned char)s[2] == 0xBF)
        s += 3;
    const char *start = s;
    while (is_ws(*start))
        start++;
    if (*start == '\0' || *start == ';' || *start == '#')
        return buf;
    if (p->key_seen && start > s) {
        p->continuation = true;
        return buf;
    }
    /* Where inih is more lenient than the grammar (PROTOCOL.md section 15.1), the line is
     * reported here and handed to inih empty. An indented line that continues no key would be
     * a key to inih, and the same text a continuation a few lines further down. */
    if (start > s) {
        perr(p, RN_EINVAL,
             "a line that starts with a blank continues the value of a key, and none precedes it");
        buf[0] = '\0';
        return buf;
    }
    if (*start == '[') {
        const char *end = strchr(start + 1, ']');
        if (end == NULL)
            return buf; /* inih reports the syntax error */
        char name[NODECONF_LINE_MAX + 1];
        size_t n = (size_t)(end - start - 1);
        memcpy(name, start + 1, n);
        name[n] = '\0';
        /* inih ignores whatever follows the ']'; only a comment after a blank may. */
        const char *rest = end + 1;
        bool blank = false;
        while (is_ws(*rest)) {
            rest++;
            blank = true;
        }
        if (*rest != '\0' && !(blank && *rest == ';')) {
            perr(p, RN_EINVAL, "[%s]: text after the ']' (only a comment, after a blank)", name);
            buf[0] = '\0';
            return buf;
        }
        p->key_seen = false;
        p->section_line = p->line;
        p->on_section(p, name);
        return buf;
    }
    const char *sep = strpbrk(start, "=:");
    if (sep != NULL && *sep == ':') {
        /* inih takes "key: value" too; one separator keeps files comparable line by line. */
        size_t n = (size_t)(sep - start);
        while (n > 0 && is_ws(start[n - 1]))
            n--;
        perr(p, RN_EINVAL,
             "%.*s: expected \"key = value\" (':' does not separate a key from its value)", (int)n,
             start);
        buf[0] = '\0';
        return buf;
    }
    if (sep != NULL)
        p->key_seen = true;
    return buf;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    parse *p = user;
    unsigned before = p->err_line;
    (void)section; /* the reader tracks sections, with their full names and lines */
    if (p->section < 0 && p->section_line == 0) {
        perr(p, RN_EUNKNOWNFIELD, "%s: key outside any section", name);
        return 0;
    }
    if (p->section < 0)
        return 1; /* inside an unknown section, already reported */
    p->on_key(p, name, value, p->continuation);
    return before == p->err_line ? 1 : 0;
}

/* Runs inih over the file `path`, or over buf[0..len) when `buf` is not NULL (`path` then only
 * names it in messages). Returns 0 or the first error (message in p->err). */
static int parse_file(parse *p, const char *path, const char *buf, size_t len)
{
    /* fmemopen wants a buffer of at least one byte; an empty text reads as an empty file. */
    static char empty[1];
    p->path = path;
    p->section = -1;
    if (buf != NULL)
        p->f = len > 0 ? fmemopen((void *)(uintptr_t)buf, len, "r") : fmemopen(empty, 0, "r");
    else
        p->f = fopen(path, "r");
    if (p->f == NULL) {
        int e = errno;
        snprintf(p->err, sizeof(p->err), "%s: cannot open: %s", path, strerror(e));
        return buf != NULL ? RN_ENOMEM : RN_EIO;
    }
    int rc = ini_parse_stream(read_line, p, handler, p);
    bool read_error = ferror(p->f) != 0;
    fclose(p->f);
    p->f = NULL;
    if (read_error) {
        snprintf(p->err, sizeof(p->err), "%s: read error", path);
        return RN_EIO;
    }
    if (rc > 0 && (p->err_line == 0 || (unsigned)rc < p->err_line)) {
        snprintf(p->err, sizeof(p->err),
                 "%s:%d: syntax error (expected [section], key = value, or a comment)", path, rc);
        return RN_EINVAL;
    }
    if (rc < 0 && p->err_line == 0) {
        snprintf(p->err, sizeof(p->err), "%s: out of memory", path);
        return RN_ENOMEM;
    }
    if (p->err_line != 0)
        return p->err_code;
    return 0;
}

/* ---- The node configuration ---- */

enum { SEC_NODE, SEC_PEERS, SEC_LIMITS, SEC_STORE, SEC_COUNT };
static const char *const node_sections[SEC_COUNT] = { "node", "peers", "limits", "store" };

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
    size_t offset;     /* limits: offset of the uint32_t field in node_limits */
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

#define LIMIT(field, lo, hi)                                                                       \
    {                                                                                              \
        SEC_LIMITS, #field, set_limit, offsetof(node_limits, field), (lo), (hi), false             \
    }

/* The bounds of the limits: within what node_new accepts (limits.h), so that a value the core
 * would refuse is refused here, at the line that set it. The lower bounds are ours: a timer of a
 * few milliseconds or a one-entry rate would only make a node thrash. */
static const conf_key conf_keys[] = {
    { SEC_NODE, "country", set_country, 0, 0, 0, true },
    { SEC_NODE, "data_dir", set_path, offsetof(nodeconf, data_dir), 0, 0, true },
    { SEC_NODE, "listen", set_listen, 0, 0, 0, true },
    { SEC_NODE, "roster", set_path, offsetof(nodeconf, roster), 0, 0, true },
    { SEC_NODE, "key_file", set_path, offsetof(nodeconf, key_file), 0, 0, false },
    { SEC_NODE, "network_key_file", set_path, offsetof(nodeconf, network_key_file), 0, 0, false },
    { SEC_NODE, "log_level", set_log_level, 0, 0, 0, false },
    { SEC_PEERS, "dial", set_dial, 0, 0, 0, false },
    LIMIT(peers_max, 1, RN_PEERS_MAX),
    LIMIT(batch_entries, 1, RN_BATCH_ENTRIES_MAX),
    LIMIT(inflight_bytes, RN_INFLIGHT_BYTES_MIN, RN_INFLIGHT_BYTES_DEFAULT),
    LIMIT(anti_entropy_ms, 100, RN_TIMER_MS_MAX),
    LIMIT(stall_ms, 10, RN_TIMER_MS_MAX),
    LIMIT(handshake_ms, 100, RN_TIMER_MS_MAX),
    LIMIT(idle_ms, 1000, RN_TIMER_MS_MAX),
    LIMIT(backoff_min_ms, 10, RN_TIMER_MS_MAX),
    LIMIT(backoff_max_ms, 10, RN_TIMER_MS_MAX),
    LIMIT(entries_per_s, 1, RN_ENTRIES_PER_S_MAX),
    { SEC_STORE, "map_size", set_map_size, 0, 0, 0, false },
    { SEC_STORE, "check_at_start", set_check_at_start, 0, 0, 0, false },
};
#define CONF_KEYS_N (sizeof(conf_keys) / sizeof(conf_keys[0]))

/* The core's defaults for the two limits checked against each other (core.h). */
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
        perr(p, RN_ECOUNTRY, "node.country: \"%s\" is not one of the 30 country codes", v);
        return;
    }
    memcpy(cp->c->country, pc->alpha2, 3);
}

static void set_path(parse *p, const conf_key *k, const char *v, bool cont)
{
    conf_parse *cp = p->ctx;
    (void)cont;
    if (v[0] == '\0') {
        perr(p, RN_EINVAL, "node.%s: empty path", k->name);
        return;
    }
    if (resolve_path(cp->dir, v, (char *)cp->c + k->offset, NODECONF_PATH_MAX) != 0)
        perr(p, RN_ETOOBIG, "node.%s: path longer than %u bytes", k->name, NODECONF_PATH_MAX - 1);
}

static void set_listen(parse *p, const conf_key *k, const char *v, bool cont)
{
    conf_parse *cp = p->ctx;
    (void)k;
    (void)cont;
    unsigned char ip[16];
    if (nodeconf_addr_parse(v, strlen(v), &cp->c->listen) != 0)
        perr(p, RN_EINVAL, "node.listen: \"%s\" is not host:port (port 1..65535)", v);
    else if (inet_pton(AF_INET, cp->c->listen.host, ip) != 1 &&
             inet_pton(AF_INET6, cp->c->listen.host, ip) != 1)
        perr(p, RN_EINVAL, "node.listen: \"%s\": the host must be an IP address", v);
}

static void set_log_level(parse *p, const conf_key *k, const char *v, bool cont)
{
    conf_parse *cp = p->ctx;
    (void)k;
    (void)cont;
    int l = node_log_level_parse(v);
    if (l < 0) {
        perr(p, RN_EINVAL, "node.log_level: \"%s\" is not error, warn, info or debug", v);
        return;
    }
    cp->c->log_level = (node_log_level)l;
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
        if (v[i] == ';' && is_ws(v[i - 1])) {
            n_v = i;
            break;
        }
    const char *stop = v + n_v;
    const char *s = v;
    while (s < stop) {
        while (s < stop && (*s == ',' || is_ws(*s)))
            s++;
        const char *e = s;
        while (e < stop && *e != ',' && !is_ws(*e))
            e++;
        size_t n = (size_t)(e - s);
        if (n == 0)
            break;
        if (!name_valid(s, n)) {
            perr(p, RN_EINVAL, "peers.dial: \"%.*s\" is not a member name or country", (int)n, s);
            return;
        }
        if (c->dial_n == NODECONF_DIAL_MAX) {
            perr(p, RN_ETOOBIG, "peers.dial: more than %u peers", NODECONF_DIAL_MAX);
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
    if (parse_u64(v, k->min, k->max, &x, msg, sizeof(msg)) != 0) {
        perr(p, RN_EINVAL, "limits.%s: %s", k->name, msg);
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
        parse_u64(num, 1, NODECONF_MAP_BYTES_MAX >> shift, &x, msg, sizeof(msg)) != 0 ||
        (x << shift) < NODECONF_MAP_BYTES_MIN) {
        perr(p, RN_EINVAL,
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
        perr(p, RN_EINVAL, "store.check_at_start: \"%s\" is not yes or no", v);
}

static void conf_section(parse *p, const char *name)
{
    conf_parse *cp = p->ctx;
    p->section = -1;
    for (int i = 0; i < SEC_COUNT; i++) {
        if (strcmp(name, node_sections[i]) != 0)
            continue;
        if (cp->section_seen[i] != 0) {
            perr(p, RN_EDUPLICATE, "[%s]: section given twice (first at line %u)", name,
                 cp->section_seen[i]);
            return;
        }
        cp->section_seen[i] = p->line;
        p->section = i;
        return;
    }
    perr(p, RN_EUNKNOWNFIELD,
         "[%s]: unknown section (expected [node], [peers], [limits] or [store])", name);
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
            perr(p, RN_EINVAL, "%s.%s: value continues on an indented line", sec, key);
            return;
        }
        if (!cont && (cp->keys_seen & (1ull << i))) {
            perr(p, RN_EDUPLICATE, "%s.%s: key given twice", sec, key);
            return;
        }
        cp->keys_seen |= 1ull << i;
        k->set(p, k, value, cont);
        return;
    }
    perr(p, RN_EUNKNOWNFIELD, "%s.%s: unknown key", sec, key);
}

/* The directory part of `path` ("" when it has none) into dir[0..cap). */
static int dir_of(const char *path, char *dir, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        dir[0] = '\0';
        return 0;
    }
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    if (n >= cap)
        return RN_ETOOBIG;
    memcpy(dir, path, n);
    dir[n] = '\0';
    return 0;
}

/* nodeconf_load, or nodeconf_parse when `buf` is not NULL. */
static int conf_load(nodeconf *c, const char *path, const char *buf, size_t len, char *err,
                     size_t err_len)
{
    conf_parse *cp = calloc(1, sizeof(*cp));
    parse *p = calloc(1, sizeof(*p));
    int rc = 0;
    if (cp == NULL || p == NULL) {
        rc = fail(err, err_len, RN_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    memset(c, 0, sizeof(*c));
    c->log_level = NODE_LOG_INFO;
    if (copy_str(c->path, sizeof(c->path), path) != 0 ||
        dir_of(path, cp->dir, sizeof(cp->dir)) != 0) {
        rc = fail(err, err_len, RN_ETOOBIG, "%s: path too long", path);
        goto out;
    }
    cp->c = c;
    p->ctx = cp;
    p->on_section = conf_section;
    p->on_key = conf_key_fn;
    rc = parse_file(p, path, buf, len);
    if (rc != 0) {
        fail(err, err_len, rc, "%s", p->err);
        goto out;
    }

    /* Required keys, reported at their section's header (or the end of the file). */
    for (size_t i = 0; i < CONF_KEYS_N; i++) {
        const conf_key *k = &conf_keys[i];
        if (!k->required || (cp->keys_seen & (1ull << i)))
            continue;
        unsigned at = cp->section_seen[k->section];
        if (at != 0)
            rc = fail(err, err_len, RN_EMISSING, "%s:%u: %s.%s: required key is missing", path, at,
                      node_sections[k->section], k->name);
        else
            rc = fail(err, err_len, RN_EMISSING,
                      "%s:%u: %s.%s: required key is missing (no [%s] section)", path, p->line,
                      node_sections[k->section], k->name, node_sections[k->section]);
        goto out;
    }
    /* Against each other as the core will see them, defaults (core.c) filled in. */
    uint32_t bmin = c->limits.backoff_min_ms != 0 ? c->limits.backoff_min_ms : BACKOFF_MIN_DEFAULT;
    uint32_t bmax = c->limits.backoff_max_ms != 0 ? c->limits.backoff_max_ms : BACKOFF_MAX_DEFAULT;
    if (bmin > bmax) {
        rc = fail(err, err_len, RN_EINVAL,
                  "%s:%u: limits.backoff_max_ms: %u is below backoff_min_ms (%u)", path,
                  cp->section_seen[SEC_LIMITS], bmax, bmin);
        goto out;
    }
    {
        char why[NODECONF_ERR_MAX];
        if (nodeconf_socket_path_check(c->data_dir, why, sizeof(why)) != 0) {
            rc = fail(err, err_len, RN_ETOOBIG, "%s: %s", path, why);
            goto out;
        }
    }
    if (c->key_file[0] == '\0' &&
        resolve_path(c->data_dir, "node.key", c->key_file, sizeof(c->key_file)) != 0) {
        rc = fail(err, err_len, RN_ETOOBIG, "%s: node.data_dir: path too long", path);
        goto out;
    }
    if (c->network_key_file[0] == '\0' &&
        resolve_path(c->data_dir, "network.key", c->network_key_file,
                     sizeof(c->network_key_file)) != 0) {
        rc = fail(err, err_len, RN_ETOOBIG, "%s: node.data_dir: path too long", path);
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
        return fail(err, err_len, RN_ETOOBIG,
                    "node.data_dir: %s%s would be %zu bytes, longer than a Unix socket path "
                    "allows (%u): choose a shorter data directory",
                    data_dir, sock, n, NODECONF_SOCKET_PATH_MAX);
    return 0;
}

/* ---- The roster file ---- */

enum { MKEY_ROLE, MKEY_COUNTRY, MKEY_KEY, MKEY_ADDRESS, MKEY_COUNT };
static const char *const member_keys[MKEY_COUNT] = { "role", "country", "key", "address" };

typedef struct roster_parse {
    nodeconf_roster *r;
    nodeconf_member *cur; /* the member being read, NULL outside a [member] section */
    unsigned seen;        /* bit per MKEY_ of the current member */
    size_t cap;           /* slots of r->members */
} roster_parse;

/* Checks the member just finished (required keys, country rules) and adds it to the roster. */
static void member_finish(parse *p, roster_parse *rp)
{
    nodeconf_member *m = rp->cur;
    if (m == NULL)
        return;
    rp->cur = NULL;
    unsigned saved = p->line;
    p->line = m->line; /* errors about a whole member are reported at its header */
    if (!(rp->seen & (1u << MKEY_ROLE)))
        perr(p, RN_EMISSING, "member %s: role: required key is missing", m->name);
    else if (!(rp->seen & (1u << MKEY_KEY)))
        perr(p, RN_EMISSING, "member %s: key: required key is missing", m->name);
    else if (m->role == PROTO_ROLE_AUTHORITY && m->country[0] == '\0')
        perr(p, RN_EMISSING, "member %s: country: required key is missing for an authority",
             m->name);
    else {
        int rc = proto_roster_add(&rp->r->roster, m->country, strlen(m->country), m->role, m->key);
        if (rc == RN_EDUPLICATE) {
            const nodeconf_member *other = nodeconf_roster_by_key(rp->r, m->key);
            if (other != NULL)
                perr(p, RN_EDUPLICATE, "member %s: key: same key as member %s (line %u)", m->name,
                     other->name, other->line);
            else {
                const proto_member *a =
                    proto_roster_authority(&rp->r->roster, m->country, strlen(m->country));
                const nodeconf_member *o = a != NULL ? nodeconf_roster_by_key(rp->r, a->key) : NULL;
                perr(p, RN_EDUPLICATE,
                     "member %s: country: %s already has an authority (%s, line %u)", m->name,
                     m->country, o != NULL ? o->name : "?", o != NULL ? o->line : 0);
            }
        } else if (rc != 0) {
            perr(p, rc, "member %s: %s", m->name, rn_strerror(rc));
        } else {
            rp->r->count++;
        }
    }
    p->line = saved;
}

static void roster_section(parse *p, const char *name)
{
    roster_parse *rp = p->ctx;
    nodeconf_roster *r = rp->r;
    unsigned saved = p->line;
    member_finish(p, rp);
    p->line = saved;
    p->section = -1;

    if (strncmp(name, "member ", 7) != 0) {
        perr(p, RN_EUNKNOWNFIELD, "[%s]: unknown section (expected [member <name>])", name);
        return;
    }
    const char *n = name + 7;
    if (!name_valid(n, strlen(n))) {
        perr(p, RN_EINVAL, "[%s]: member name must be 1 to %u characters of A-Z a-z 0-9 . _ -",
             name, NODECONF_NAME_MAX);
        return;
    }
    for (size_t i = 0; i < r->count; i++)
        if (strcmp(r->members[i].name, n) == 0) {
            perr(p, RN_EDUPLICATE, "[member %s]: member named twice (first at line %u)", n,
                 r->members[i].line);
            return;
        }
    if (r->count == RN_ROSTER_MEMBERS_MAX) {
        perr(p, RN_ETOOBIG, "[member %s]: more than %u members", n, RN_ROSTER_MEMBERS_MAX);
        return;
    }
    if (r->count == rp->cap) {
        size_t cap = rp->cap == 0 ? 32 : rp->cap * 2;
        if (cap > RN_ROSTER_MEMBERS_MAX)
            cap = RN_ROSTER_MEMBERS_MAX;
        nodeconf_member *mm = realloc(r->members, cap * sizeof(*mm));
        if (mm == NULL) {
            perr(p, RN_ENOMEM, "out of memory");
            return;
        }
        r->members = mm;
        rp->cap = cap;
    }
    nodeconf_member *m = &r->members[r->count];
    memset(m, 0, sizeof(*m));
    memcpy(m->name, n, strlen(n) + 1);
    m->line = p->line;
    rp->cur = m;
    rp->seen = 0;
    p->section = 0;
}

static void roster_key(parse *p, const char *key, const char *v, bool cont)
{
    roster_parse *rp = p->ctx;
    nodeconf_member *m = rp->cur;
    int k = -1;
    for (int i = 0; i < MKEY_COUNT; i++)
        if (strcmp(key, member_keys[i]) == 0)
            k = i;
    if (k < 0) {
        perr(p, RN_EUNKNOWNFIELD,
             "member %s: %s: unknown key (expected role, country, key, address)", m->name, key);
        return;
    }
    if (cont) {
        perr(p, RN_EINVAL, "member %s: %s: value continues on an indented line", m->name, key);
        return;
    }
    if (rp->seen & (1u << k)) {
        perr(p, RN_EDUPLICATE, "member %s: %s: key given twice", m->name, key);
        return;
    }
    rp->seen |= 1u << k;
    switch (k) {
    case MKEY_ROLE:
        if (strcmp(v, "authority") == 0)
            m->role = PROTO_ROLE_AUTHORITY;
        else if (strcmp(v, "mirror") == 0)
            m->role = PROTO_ROLE_MIRROR;
        else
            perr(p, RN_EINVAL, "member %s: role: \"%s\" is not authority or mirror", m->name, v);
        break;
    case MKEY_COUNTRY: {
        const proto_country *pc = proto_country_find(v, strlen(v));
        if (pc == NULL)
            perr(p, RN_ECOUNTRY, "member %s: country: \"%s\" is not one of the 30 country codes",
                 m->name, v);
        else
            memcpy(m->country, pc->alpha2, 3);
        break;
    }
    case MKEY_KEY:
        if (proto_key_text_parse(v, strlen(v), m->key) != 0)
            perr(p, RN_EKEY, "member %s: key: not a valid rn1: public key", m->name);
        break;
    case MKEY_ADDRESS:
        if (nodeconf_addr_parse(v, strlen(v), &m->address) != 0)
            perr(p, RN_EINVAL, "member %s: address: \"%s\" is not host:port (port 1..65535)",
                 m->name, v);
        else
            m->has_address = true;
        break;
    default:
        RN_ASSERT(0);
    }
}

/* nodeconf_roster_load, except that a file with no member at all (empty, or only comments and
 * blank lines) loads as an empty roster when `allow_empty`: the file roster add starts from. */
static int roster_load(nodeconf_roster *r, const char *path, const char *buf, size_t len,
                       bool allow_empty, char *err, size_t err_len)
{
    roster_parse rp = { 0 };
    parse *p = calloc(1, sizeof(*p));
    int rc = 0;

    memset(r, 0, sizeof(*r));
    if (p == NULL) {
        rc = fail(err, err_len, RN_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    if (copy_str(r->path, sizeof(r->path), path) != 0) {
        rc = fail(err, err_len, RN_ETOOBIG, "%s: path too long", path);
        goto out;
    }
    rc = proto_roster_init(&r->roster, RN_ROSTER_MEMBERS_MAX);
    if (rc != 0) {
        fail(err, err_len, rc, "%s: %s", path, rn_strerror(rc));
        goto out;
    }
    rp.r = r;
    p->ctx = &rp;
    p->on_section = roster_section;
    p->on_key = roster_key;
    rc = parse_file(p, path, buf, len);
    if (rc == 0) {
        member_finish(p, &rp);
        if (p->err_line != 0)
            rc = p->err_code;
    }
    if (rc != 0) {
        fail(err, err_len, rc, "%s", p->err);
        goto out;
    }
    if (r->count == 0 && !allow_empty) {
        rc = fail(err, err_len, RN_EMISSING, "%s:%u: no [member <name>] section", path,
                  p->line == 0 ? 1 : p->line);
        goto out;
    }
out:
    if (rc != 0)
        nodeconf_roster_free(r);
    free(p);
    return rc;
}

int nodeconf_roster_load(nodeconf_roster *r, const char *path, char *err, size_t err_len)
{
    return roster_load(r, path, NULL, 0, false, err, err_len);
}

int nodeconf_roster_parse(nodeconf_roster *r, const char *path, const char *buf, size_t len,
                          char *err, size_t err_len)
{
    return roster_load(r, path, buf, len, false, err, err_len);
}

void nodeconf_roster_free(nodeconf_roster *r)
{
    proto_roster_free(&r->roster);
    free(r->members);
    memset(r, 0, sizeof(*r));
}

const nodeconf_member *nodeconf_roster_by_key(const nodeconf_roster *r,
                                              const uint8_t key[PROTO_KEY_BYTES])
{
    for (size_t i = 0; i < r->count; i++)
        if (memcmp(r->members[i].key, key, PROTO_KEY_BYTES) == 0)
            return &r->members[i];
    return NULL;
}

const nodeconf_member *nodeconf_roster_by_name(const nodeconf_roster *r, const char *name)
{
    for (size_t i = 0; i < r->count; i++)
        if (strcmp(r->members[i].name, name) == 0)
            return &r->members[i];
    const proto_member *a = proto_roster_authority(&r->roster, name, strlen(name));
    return a != NULL ? nodeconf_roster_by_key(r, a->key) : NULL;
}

int nodeconf_resolve(const nodeconf *c, const nodeconf_roster *r,
                     const uint8_t self[PROTO_KEY_BYTES],
                     uint8_t dial[NODECONF_DIAL_MAX][PROTO_KEY_BYTES], size_t *dial_n, char *err,
                     size_t err_len)
{
    char kt[PROTO_KEY_TEXT_LEN + 1];
    const nodeconf_member *me = nodeconf_roster_by_key(r, self);
    *dial_n = 0;
    if (me == NULL) {
        proto_key_text_format(self, kt);
        return fail(err, err_len, RN_EROSTER, "%s: our key %s is not a member of the roster",
                    r->path, kt);
    }
    if (me->country[0] != '\0' && strcmp(me->country, c->country) != 0)
        return fail(
            err, err_len, RN_ECOUNTRY,
            "%s: node.country: %s, but our key is member %s of %s (line %u) with country %s",
            c->path, c->country, me->name, r->path, me->line, me->country);

    if (!c->dial_set) {
        for (size_t i = 0; i < r->count; i++) {
            const nodeconf_member *m = &r->members[i];
            if (m == me || !m->has_address)
                continue;
            if (*dial_n == NODECONF_DIAL_MAX)
                return fail(err, err_len, RN_ETOOBIG,
                            "%s: more than %u members to dial: list them in [peers] dial", c->path,
                            NODECONF_DIAL_MAX);
            memcpy(dial[(*dial_n)++], m->key, PROTO_KEY_BYTES);
        }
        return 0;
    }
    for (size_t i = 0; i < c->dial_n; i++) {
        const nodeconf_member *m = nodeconf_roster_by_name(r, c->dial[i]);
        if (m == NULL)
            return fail(err, err_len, RN_ENOTFOUND,
                        "%s:%u: peers.dial: \"%s\" is neither a member of %s nor a country with an "
                        "authority",
                        c->path, c->dial_line, c->dial[i], r->path);
        if (m == me)
            return fail(err, err_len, RN_EINVAL, "%s:%u: peers.dial: \"%s\" is this node", c->path,
                        c->dial_line, c->dial[i]);
        if (!m->has_address)
            return fail(err, err_len, RN_EINVAL,
                        "%s:%u: peers.dial: member %s has no address in %s", c->path, c->dial_line,
                        m->name, r->path);
        for (size_t j = 0; j < *dial_n; j++)
            if (memcmp(dial[j], m->key, PROTO_KEY_BYTES) == 0)
                return fail(err, err_len, RN_EDUPLICATE, "%s:%u: peers.dial: member %s named twice",
                            c->path, c->dial_line, m->name);
        memcpy(dial[(*dial_n)++], m->key, PROTO_KEY_BYTES);
    }
    return 0;
}

/* ---- Writing ---- */

/* fsyncs the directory that holds `path`. Returns 0 or an errno. */
static int sync_dir_of(const char *path)
{
    char dir[NODECONF_PATH_MAX];
    if (dir_of(path, dir, sizeof(dir)) != 0)
        return ENAMETOOLONG;
    int fd = open(dir[0] != '\0' ? dir : ".", O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return errno;
    int e = fsync(fd) != 0 ? errno : 0;
    close(fd);
    return e;
}

/* Writes buf[0..len) fully to fd, then fsyncs. Returns 0 or an errno. */
static int write_all_sync(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        buf += n;
        len -= (size_t)n;
    }
    return fsync(fd) != 0 ? errno : 0;
}

/* Creates `path` (O_EXCL, O_NOFOLLOW) with `mode` whatever the umask, writes buf, fsyncs the
 * file and its directory; removes the file if anything fails after it was created. */
static int write_new_file(const char *path, const char *buf, size_t len, mode_t mode, char *err,
                          size_t err_len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
        int e = errno;
        if (e == EEXIST)
            return fail(err, err_len, RN_EEXIST, "%s: already exists (not overwritten)", path);
        return fail(err, err_len, RN_EIO, "%s: cannot create: %s", path, strerror(e));
    }
    int e = fchmod(fd, mode) != 0 ? errno : 0;
    if (e == 0)
        e = write_all_sync(fd, buf, len);
    if (close(fd) != 0 && e == 0)
        e = errno;
    if (e == 0)
        e = sync_dir_of(path);
    if (e != 0) {
        unlink(path);
        return fail(err, err_len, RN_EIO, "%s: cannot write: %s", path, strerror(e));
    }
    return 0;
}

/* A growing text buffer for the writers, bounded by its array. */
typedef struct text {
    char buf[16384];
    size_t len;
    bool overflow;
} text;

__attribute__((format(printf, 2, 3))) static void tprintf(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(t->buf) - t->len)
        t->overflow = true;
    else
        t->len += (size_t)n;
}

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
    text *t = calloc(1, sizeof(*t));
    char addr[300];
    int rc = 0;
    if (t == NULL)
        return fail(err, err_len, RN_ENOMEM, "%s: out of memory", path);
    if (proto_country_find(c->country, strlen(c->country)) == NULL || c->data_dir[0] == '\0' ||
        c->roster[0] == '\0' || c->listen.port == 0 || c->listen.host[0] == '\0' ||
        node_log_level_name((int)c->log_level) == NULL) {
        rc = fail(err, err_len, RN_EINVAL, "%s: country, data_dir, listen and roster are required",
                  path);
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
            rc =
                fail(err, err_len, RN_EINVAL,
                     "%s: node.%s: \"%s\" would not read back as written (a blank at either end, a "
                     "';' after a blank, or a control character)",
                     path, paths[i].key, paths[i].value);
            goto out;
        }
    for (size_t i = 0; i < c->dial_n; i++)
        if (!name_valid(c->dial[i], strlen(c->dial[i]))) {
            rc = fail(err, err_len, RN_EINVAL,
                      "%s: peers.dial: \"%s\" is not a member name or country", path, c->dial[i]);
            goto out;
        }
    tprintf(t, "; recnetd configuration (node/README.md describes every key)\n[node]\n");
    tprintf(t, "country = %s\n", c->country);
    tprintf(t, "data_dir = %s\n", c->data_dir);
    tprintf(t, "listen = %s\n", nodeconf_addr_format(&c->listen, addr, sizeof(addr)));
    tprintf(t, "roster = %s\n", c->roster);
    if (c->key_file[0] != '\0')
        tprintf(t, "key_file = %s\n", c->key_file);
    if (c->network_key_file[0] != '\0')
        tprintf(t, "network_key_file = %s\n", c->network_key_file);
    tprintf(t, "log_level = %s\n", node_log_level_name((int)c->log_level));
    if (c->dial_set) {
        tprintf(t, "\n[peers]\ndial =");
        for (size_t i = 0; i < c->dial_n; i++)
            tprintf(t, i == 0 ? " %s" : ",\n    %s", c->dial[i]);
        tprintf(t, "\n");
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
            rc = fail(err, err_len, RN_EINVAL, "%s: limits.%s: %u is outside %u..%u", path, k->name,
                      v, k->min, k->max);
            goto out;
        }
        if (!limits_header)
            tprintf(t, "\n[limits]\n");
        limits_header = true;
        tprintf(t, "%s = %u\n", k->name, v);
    }
    if (t->overflow) {
        rc = fail(err, err_len, RN_ETOOBIG, "%s: configuration too long", path);
        goto out;
    }
    /* Every line must read back: a path too long for one line would not. */
    for (const char *l = t->buf; *l != '\0';) {
        const char *e = strchr(l, '\n');
        if ((size_t)(e - l) > NODECONF_LINE_MAX) {
            rc = fail(err, err_len, RN_ETOOBIG, "%s: a line would pass %u characters: %.40s...",
                      path, NODECONF_LINE_MAX, l);
            goto out;
        }
        l = e + 1;
    }
    rc = write_new_file(path, t->buf, t->len, 0644, err, err_len);
out:
    free(t);
    return rc;
}

int nodeconf_roster_append(const char *path, const nodeconf_member *m, char *err, size_t err_len)
{
    nodeconf_roster r;
    char kt[PROTO_KEY_TEXT_LEN + 1];
    char addr[300];
    text *t = calloc(1, sizeof(*t));
    int rc = 0;
    bool exists = access(path, F_OK) == 0;

    memset(&r, 0, sizeof(r));
    if (t == NULL)
        return fail(err, err_len, RN_ENOMEM, "%s: out of memory", path);
    if (!name_valid(m->name, strlen(m->name))) {
        rc = fail(err, err_len, RN_EINVAL,
                  "member name \"%s\": 1 to %u characters of A-Z a-z 0-9 . _ -", m->name,
                  NODECONF_NAME_MAX);
        goto out;
    }
    if (m->role != PROTO_ROLE_AUTHORITY && m->role != PROTO_ROLE_MIRROR) {
        rc = fail(err, err_len, RN_EINVAL, "member %s: role must be authority or mirror", m->name);
        goto out;
    }
    if (m->country[0] != '\0' && !proto_country_is_canonical(m->country, strlen(m->country)) &&
        proto_country_find(m->country, strlen(m->country)) == NULL) {
        rc = fail(err, err_len, RN_ECOUNTRY, "member %s: \"%s\" is not one of the 30 countries",
                  m->name, m->country);
        goto out;
    }
    if (exists) {
        rc = roster_load(&r, path, NULL, 0, true, err, err_len);
        if (rc != 0)
            goto out;
    } else {
        rc = proto_roster_init(&r.roster, RN_ROSTER_MEMBERS_MAX);
        if (rc != 0) {
            fail(err, err_len, rc, "%s: %s", path, rn_strerror(rc));
            goto out;
        }
    }
    for (size_t i = 0; i < r.count; i++)
        if (strcmp(r.members[i].name, m->name) == 0) {
            rc = fail(err, err_len, RN_EDUPLICATE, "%s:%u: member %s is already in the roster",
                      path, r.members[i].line, m->name);
            goto out;
        }
    const proto_country *pc =
        m->country[0] != '\0' ? proto_country_find(m->country, strlen(m->country)) : NULL;
    rc = proto_roster_add(&r.roster, pc != NULL ? pc->alpha2 : "", pc != NULL ? 2 : 0, m->role,
                          m->key);
    if (rc != 0) {
        const nodeconf_member *o = nodeconf_roster_by_key(&r, m->key);
        if (rc == RN_EDUPLICATE && o != NULL)
            fail(err, err_len, rc, "%s:%u: member %s already has this key", path, o->line, o->name);
        else if (rc == RN_EDUPLICATE)
            fail(err, err_len, rc, "%s: %s already has an authority", path, pc->alpha2);
        else
            fail(err, err_len, rc, "member %s: %s", m->name, rn_strerror(rc));
        goto out;
    }

    proto_key_text_format(m->key, kt);
    if (!exists)
        tprintf(t, "; recnet federation roster: one [member <name>] section per member\n");
    tprintf(t, "\n[member %s]\nrole = %s\n", m->name, proto_role_name((int)m->role));
    if (pc != NULL)
        tprintf(t, "country = %s\n", pc->alpha2);
    tprintf(t, "key = %s\n", kt);
    if (m->has_address)
        tprintf(t, "address = %s\n", nodeconf_addr_format(&m->address, addr, sizeof(addr)));
    RN_ASSERT(!t->overflow);

    if (!exists) {
        rc = write_new_file(path, t->buf, t->len, 0644, err, err_len);
        goto out;
    }
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) {
        rc = fail(err, err_len, RN_EIO, "%s: cannot open for append: %s", path, strerror(errno));
        goto out;
    }
    /* A file whose last line lacks its newline would glue our header onto it. */
    struct stat st;
    int e = fstat(fd, &st) != 0 ? errno : 0;
    if (e == 0 && st.st_size > 0) {
        int rfd = open(path, O_RDONLY | O_CLOEXEC);
        char last = '\n';
        if (rfd >= 0) {
            if (pread(rfd, &last, 1, st.st_size - 1) != 1)
                last = '\n';
            close(rfd);
        }
        if (last != '\n')
            e = write_all_sync(fd, "\n", 1);
    }
    if (e == 0)
        e = write_all_sync(fd, t->buf, t->len);
    if (close(fd) != 0 && e == 0)
        e = errno;
    if (e != 0)
        rc = fail(err, err_len, RN_EIO, "%s: cannot append: %s", path, strerror(e));
out:
    nodeconf_roster_free(&r);
    free(t);
    return rc;
}

/* ---- The network key file ---- */

#define NETKEY_COMMENT                                                                             \
    "# recnet network key: shared by the members of one federation; keep it private (mode 0600)"
#define NETKEY_B64_LEN  44u
#define NETKEY_FILE_MAX 4096u

int nodeconf_netkey_read(const char *path, uint8_t key[PROTO_NETKEY_BYTES], char *err,
                         size_t err_len)
{
    char buf[NETKEY_FILE_MAX + 1];
    char again[NETKEY_B64_LEN + 1];
    size_t len = 0;
    int rc = 0;
    int found = 0;
    struct stat st;

    sodium_memzero(key, PROTO_NETKEY_BYTES);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(err, err_len, RN_EIO, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0) {
        rc = fail(err, err_len, RN_EIO, "%s: cannot stat: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = fail(err, err_len, RN_EKEY, "%s: not a regular file", path);
        goto out;
    }
    if (st.st_mode & 077) {
        rc = fail(err, err_len, RN_EKEYPERM,
                  "%s: network key file is accessible to others (mode %03o; expected 0600)", path,
                  (unsigned)(st.st_mode & 0777));
        goto out;
    }
    for (;;) {
        ssize_t n = read(fd, buf + len, sizeof(buf) - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = fail(err, err_len, RN_EIO, "%s: cannot read: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > NETKEY_FILE_MAX) {
            rc = fail(err, err_len, RN_ETOOBIG, "%s: longer than %u bytes", path, NETKEY_FILE_MAX);
            goto out;
        }
    }
    unsigned line = 0;
    for (size_t i = 0; i < len;) {
        size_t e = i;
        while (e < len && buf[e] != '\n')
            e++;
        line++;
        size_t l = e - i;
        if (l > 0 && buf[i + l - 1] == '\r')
            l--;
        if (l > 0 && buf[i] != '#') {
            size_t used = 0;
            const char *end = NULL;
            if (found || l != NETKEY_B64_LEN || memchr(buf + i, '\0', l) != NULL ||
                sodium_base642bin(key, PROTO_NETKEY_BYTES, buf + i, l, NULL, &used, &end,
                                  sodium_base64_VARIANT_ORIGINAL) != 0 ||
                used != PROTO_NETKEY_BYTES || end != buf + i + l) {
                rc = fail(err, err_len, RN_EKEY, "%s:%u: %s", path, line,
                          found ? "a second key line" : "not the base64 of a 32-byte key");
                goto out;
            }
            sodium_bin2base64(again, sizeof(again), key, PROTO_NETKEY_BYTES,
                              sodium_base64_VARIANT_ORIGINAL);
            if (memcmp(again, buf + i, NETKEY_B64_LEN) != 0) {
                rc = fail(err, err_len, RN_EKEY, "%s:%u: key not in canonical base64", path, line);
                goto out;
            }
            found = 1;
        }
        i = e + 1;
    }
    if (!found)
        rc = fail(err, err_len, RN_EKEY, "%s: no key line", path);
out:
    close(fd);
    if (rc != 0)
        sodium_memzero(key, PROTO_NETKEY_BYTES);
    sodium_memzero(buf, sizeof(buf));
    sodium_memzero(again, sizeof(again));
    return rc;
}

int nodeconf_netkey_write(const char *path, const uint8_t key[PROTO_NETKEY_BYTES], char *err,
                          size_t err_len)
{
    char buf[sizeof(NETKEY_COMMENT) + NETKEY_B64_LEN + 4];
    char b64[NETKEY_B64_LEN + 1];
    sodium_bin2base64(b64, sizeof(b64), key, PROTO_NETKEY_BYTES, sodium_base64_VARIANT_ORIGINAL);
    int n = snprintf(buf, sizeof(buf), "%s\n%s\n", NETKEY_COMMENT, b64);
    RN_ASSERT(n > 0 && (size_t)n < sizeof(buf));
    int rc = write_new_file(path, buf, (size_t)n, 0600, err, err_len);
    sodium_memzero(buf, sizeof(buf));
    sodium_memzero(b64, sizeof(b64));
    return rc;
}

int nodeconf_netkey_generate(const char *path, uint8_t key[PROTO_NETKEY_BYTES], char *err,
                             size_t err_len)
{
    if (sodium_init() < 0)
        return fail(err, err_len, RN_EIO, "libsodium failed to initialise");
    randombytes_buf(key, PROTO_NETKEY_BYTES);
    int rc = nodeconf_netkey_write(path, key, err, err_len);
    if (rc != 0)
        sodium_memzero(key, PROTO_NETKEY_BYTES);
    return rc;
}
