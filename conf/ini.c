/*
 * ini.c: the strict INI reader and the small parsers the two INI files share (see ini.h).
 */
#include "conf/ini.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

/* ---- Errors and small parsers ---- */

int conf_fail(char *err, size_t err_len, int code, const char *fmt, ...)
{
    if (err != NULL && err_len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_len, fmt, ap);
        va_end(ap);
    }
    return code;
}

int conf_u64_parse(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *msg,
                   size_t msg_len)
{
    if (s[0] < '0' || s[0] > '9')
        return conf_fail(msg, msg_len, RN_EINVAL, "\"%s\" is not a decimal number", s);
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        return conf_fail(msg, msg_len, RN_EINVAL, "\"%s\" is not a decimal number%s", s,
                         errno == ERANGE ? " (too large)" : "");
    if (v < min || v > max)
        return conf_fail(msg, msg_len, RN_EINVAL, "%llu is outside %llu..%llu", v,
                         (unsigned long long)min, (unsigned long long)max);
    *out = v;
    return 0;
}

bool conf_name_valid(const char *s, size_t len)
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

int conf_str_copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        return RN_ETOOBIG;
    memcpy(dst, src, n + 1);
    return 0;
}

int conf_path_resolve(const char *dir, const char *p, char *out, size_t cap)
{
    if (p[0] == '/' || dir[0] == '\0') {
        RN_TRY(conf_str_copy(out, cap, p));
        return 0;
    }
    int n = snprintf(out, cap, "%s/%s", dir, p);
    if (n < 0 || (size_t)n >= cap)
        return RN_ETOOBIG;
    return 0;
}

/* ---- The line reader ---- */

void conf_perr(parse *p, int code, const char *fmt, ...)
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

bool conf_is_ws(char c)
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
        conf_perr(p, RN_EINVAL, "a NUL byte (the file is text)");
        buf[0] = '\0';
        return buf;
    }
    if (len > 0 && buf[len - 1] != '\n' && !feof(p->f)) {
        /* Longer than inih's buffer: report it, skip the rest, and hand inih an empty line. */
        int c;
        while ((c = fgetc(p->f)) != EOF && c != '\n')
            ;
        conf_perr(p, RN_ETOOBIG, "line longer than %u characters", NODECONF_LINE_MAX);
        buf[0] = '\0';
        return buf;
    }
    size_t content = len;
    while (content > 0 && (buf[content - 1] == '\n' || buf[content - 1] == '\r'))
        content--;
    if (content > NODECONF_LINE_MAX) {
        conf_perr(p, RN_ETOOBIG, "line longer than %u characters", NODECONF_LINE_MAX);
        buf[0] = '\0';
        return buf;
    }

    const char *s = buf;
    if (p->line == 1 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
        (unsigned char)s[2] == 0xBF)
        s += 3;
    const char *start = s;
    while (conf_is_ws(*start))
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
        conf_perr(
            p, RN_EINVAL,
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
        while (conf_is_ws(*rest)) {
            rest++;
            blank = true;
        }
        if (*rest != '\0' && !(blank && *rest == ';')) {
            conf_perr(p, RN_EINVAL, "[%s]: text after the ']' (only a comment, after a blank)",
                      name);
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
        while (n > 0 && conf_is_ws(start[n - 1]))
            n--;
        conf_perr(p, RN_EINVAL,
                  "%.*s: expected \"key = value\" (':' does not separate a key from its value)",
                  (int)n, start);
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
        conf_perr(p, RN_EUNKNOWNFIELD, "%s: key outside any section", name);
        return 0;
    }
    if (p->section < 0)
        return 1; /* inside an unknown section, already reported */
    p->on_key(p, name, value, p->continuation);
    return before == p->err_line ? 1 : 0;
}

int conf_ini_read(parse *p, const char *path, const char *buf, size_t len)
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

void conf_tprintf(conf_text *t, const char *fmt, ...)
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
