/*
 * ini.h: the strict INI reader that the node configuration (node.c) and the roster file
 * (roster.c) share, and the small parsers and writers both use. Private to the library `conf`:
 * nothing outside conf/ includes it.
 *
 * Both files go through inih's ini_parse_stream with our own line reader. inih tells its handler
 * the section, key and value but not the line, and it calls nothing for a section header; the
 * reader sees every physical line first, so it counts lines, refuses lines longer than inih's
 * buffer (which inih would otherwise split in two), and recognises section headers and
 * continuation lines the way inih will classify them. It refuses what inih would accept but the
 * grammar of proto/PROTOCOL.md section 15.1 does not ("key: value", indented keys, text after a
 * section header's ']', NUL bytes). Each file then looks keys up in its own table, through the
 * two callbacks of `parse`.
 *
 * Only the first error is kept (the earliest line): one clear message is what an operator fixes.
 */
#ifndef RN_CONF_INI_H
#define RN_CONF_INI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf/node.h"

typedef struct parse parse;

/* Called by the reader at each section header, with its text between the brackets. */
typedef void (*section_fn)(parse *p, const char *name);
/* Called by the handler for each key (or continuation of one). */
typedef void (*key_fn)(parse *p, const char *key, const char *value, bool continuation);

/* The state of one file being read. The file's reader (node.c, roster.c) sets on_section, on_key
 * and ctx, and sets `section` to its own index (>= 0) of the section it is in, or -1 for an
 * unknown one, whose keys are then skipped. */
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
__attribute__((format(printf, 3, 4))) void conf_perr(parse *p, int code, const char *fmt, ...);

/* Runs inih over the file `path`, or over buf[0..len) when `buf` is not NULL (`path` then only
 * names it in messages). Returns 0 or the first error (message in p->err): RN_EIO (cannot open
 * or read the file), RN_ENOMEM (cannot open the text as a stream, or inih ran out), RN_EINVAL (a
 * syntax error inih found), or the code of the first perr. */
RN_MUST_USE int conf_ini_read(parse *p, const char *path, const char *buf, size_t len);

/* Writes "fmt..." into err[0..err_len) (when err is not NULL) and returns code. */
__attribute__((format(printf, 4, 5))) int conf_fail(char *err, size_t err_len, int code,
                                                    const char *fmt, ...);

/* A decimal number: digits only (no sign, no space, no "0x"), no overflow, within min..max.
 * Returns 0, or RN_EINVAL with a message ("x is not a number", "0 is outside 1..1024") in msg
 * (which may be NULL). */
RN_MUST_USE int conf_u64_parse(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *msg,
                               size_t msg_len);

/* A member name: 1..NODECONF_NAME_MAX of [A-Za-z0-9._-]. */
bool conf_name_valid(const char *s, size_t len);

/* The blanks of the INI grammar: space, tab, CR, LF, VT, FF. */
bool conf_is_ws(char c);

/* Copies src into dst[0..cap). Returns 0 or RN_ETOOBIG when it does not fit. */
RN_MUST_USE int conf_str_copy(char *dst, size_t cap, const char *src);

/* Resolves `p` against directory `dir` (of the config file) into out[0..cap): absolute paths and
 * paths of a config read from the current directory are kept as they are. Returns 0 or
 * RN_ETOOBIG. */
RN_MUST_USE int conf_path_resolve(const char *dir, const char *p, char *out, size_t cap);

/* A text buffer for the writers, bounded by its array: a write past it sets `overflow`. */
typedef struct conf_text {
    char buf[16384];
    size_t len; /* bytes in buf, NUL not counted */
    bool overflow;
} conf_text;

__attribute__((format(printf, 2, 3))) void conf_tprintf(conf_text *t, const char *fmt, ...);

#endif /* RN_CONF_INI_H */
