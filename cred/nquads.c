/*
 * nquads.c: the dataset, the strict N-Quads parser and the canonical N-Quads writer
 * (cred/nquads.h).
 *
 * The parser is a cursor over the input that never reads past its end: each production of the
 * grammar is one function that either consumes its bytes and returns 0 or returns an error with
 * the cursor wherever it stopped. Unescaped terms are built in a bounded scratch buffer and
 * copied into the dataset by cred_dataset_add.
 */
#include "cred/nquads.h"

#include <stdlib.h>
#include <string.h>

#include "cred/codec.h"

void cred_buf_init(cred_buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
}

void cred_buf_free(cred_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

int cred_buf_add(cred_buf *b, const void *p, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return RN_ETOOBIG;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d)
            return RN_ENOMEM;
        b->data = d;
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int cred_buf_adds(cred_buf *b, const char *s)
{
    return cred_buf_add(b, s, strlen(s));
}

void cred_dataset_init(cred_dataset *ds, size_t max_quads)
{
    memset(ds, 0, sizeof(*ds));
    ds->max_quads = max_quads ? max_quads : CRED_DATASET_QUADS_MAX;
}

static void term_free(cred_term *t)
{
    free(t->value);
    free(t->datatype);
    free(t->lang);
    memset(t, 0, sizeof(*t));
}

void cred_dataset_free(cred_dataset *ds)
{
    for (size_t i = 0; i < ds->n; i++) {
        term_free(&ds->q[i].s);
        term_free(&ds->q[i].p);
        term_free(&ds->q[i].o);
        term_free(&ds->q[i].g);
    }
    free(ds->q);
    memset(ds, 0, sizeof(*ds));
}

static int dup_str(char **dst, const char *s)
{
    *dst = NULL;
    if (!s)
        return 0;
    size_t n = strlen(s);
    if (n > CRED_NQ_TERM_BYTES_MAX)
        return RN_ETOOBIG;
    *dst = malloc(n + 1);
    if (!*dst)
        return RN_ENOMEM;
    memcpy(*dst, s, n + 1);
    return 0;
}

static int term_copy(cred_term *dst, const cred_term *src)
{
    memset(dst, 0, sizeof(*dst));
    if (!src || src->kind == CRED_TERM_NONE)
        return 0;
    dst->kind = src->kind;
    int rc;
    if ((rc = dup_str(&dst->value, src->value)) < 0 ||
        (rc = dup_str(&dst->datatype, src->datatype)) < 0 ||
        (rc = dup_str(&dst->lang, src->lang)) < 0) {
        term_free(dst);
        return rc;
    }
    /* xsd:string is the implied datatype: hold it as NULL so that equal literals compare equal. */
    if (dst->datatype && strcmp(dst->datatype, CRED_XSD_STRING) == 0) {
        free(dst->datatype);
        dst->datatype = NULL;
    }
    return 0;
}

int cred_dataset_add(cred_dataset *ds, const cred_term *s, const cred_term *p, const cred_term *o,
                     const cred_term *g)
{
    RN_ASSERT(s && p && o && s->value && p->value && o->value);
    if (ds->n >= ds->max_quads)
        return RN_ETOOBIG;
    if (ds->n == ds->cap) {
        size_t cap = ds->cap ? ds->cap * 2 : 16;
        cred_quad *q = realloc(ds->q, cap * sizeof(*q));
        if (!q)
            return RN_ENOMEM;
        ds->q = q;
        ds->cap = cap;
    }
    cred_quad *q = &ds->q[ds->n];
    memset(q, 0, sizeof(*q));
    int rc;
    if ((rc = term_copy(&q->s, s)) < 0 || (rc = term_copy(&q->p, p)) < 0 ||
        (rc = term_copy(&q->o, o)) < 0 || (rc = term_copy(&q->g, g)) < 0) {
        term_free(&q->s);
        term_free(&q->p);
        term_free(&q->o);
        term_free(&q->g);
        return rc;
    }
    ds->n++;
    return 0;
}

/* ---- parser ---- */

typedef struct cur {
    const char *p;
    const char *end;
} cur;

/* Appends the UTF-8 of code point c; refuses surrogates and values past U+10FFFF. */
static int put_utf8(cred_buf *b, uint32_t c)
{
    char u[4];
    size_t n;
    if (c >= 0xD800 && c <= 0xDFFF)
        return RN_EUTF8;
    if (c == 0)
        return cred_buf_add(b, "\xC0\x80", 2); /* U+0000, held as in Modified UTF-8 */
    if (c < 0x80) {
        u[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        u[0] = (char)(0xC0 | (c >> 6));
        u[1] = (char)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        u[0] = (char)(0xE0 | (c >> 12));
        u[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        u[2] = (char)(0x80 | (c & 0x3F));
        n = 3;
    } else if (c <= 0x10FFFF) {
        u[0] = (char)(0xF0 | (c >> 18));
        u[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        u[3] = (char)(0x80 | (c & 0x3F));
        n = 4;
    } else {
        return RN_EUTF8;
    }
    return cred_buf_add(b, u, n);
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

/* UCHAR after the backslash: 'u' XXXX or 'U' XXXXXXXX. */
static int uchar(cur *c, cred_buf *b)
{
    size_t digits = *c->p == 'u' ? 4 : 8;
    c->p++;
    if ((size_t)(c->end - c->p) < digits)
        return RN_EMALFORMED;
    uint32_t v = 0;
    for (size_t i = 0; i < digits; i++) {
        int h = cred_hex_digit(c->p[i]);
        if (h < 0)
            return RN_EMALFORMED;
        v = (v << 4) | (uint32_t)h;
    }
    c->p += digits;
    return put_utf8(b, v);
}

/* Copies one raw UTF-8 character from the cursor to b. */
static int raw_char(cur *c, cred_buf *b)
{
    size_t n = utf8_len((const unsigned char *)c->p, (const unsigned char *)c->end);
    if (!n)
        return RN_EUTF8;
    if (*c->p == '\0') {
        c->p++;
        return put_utf8(b, 0);
    }
    RN_TRY(cred_buf_add(b, c->p, n));
    c->p += n;
    return 0;
}

static void skip_ws(cur *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
        c->p++;
}

/* IRIREF: '<' ([^#x00-#x20<>"{}|^`\] | UCHAR)* '>' */
static int iriref(cur *c, cred_buf *b)
{
    b->len = 0;
    if (c->p >= c->end || *c->p != '<')
        return RN_EMALFORMED;
    c->p++;
    while (c->p < c->end && *c->p != '>') {
        unsigned char ch = (unsigned char)*c->p;
        if (ch <= 0x20 || strchr("<\"{}|^`", ch))
            return RN_EMALFORMED;
        if (ch == '\\') {
            c->p++;
            if (c->p >= c->end || (*c->p != 'u' && *c->p != 'U'))
                return RN_EMALFORMED;
            size_t before = b->len;
            RN_TRY(uchar(c, b));
            /* An escape may not bring in what an IRI cannot hold. */
            unsigned char u = (unsigned char)b->data[before];
            if (b->len - before <= 2 && (u <= 0x20 || u == 0xC0 || strchr("<>\"{}|^`\\", u)))
                return RN_EMALFORMED;
        } else {
            RN_TRY(raw_char(c, b));
        }
    }
    if (c->p >= c->end)
        return RN_EMALFORMED;
    c->p++;
    /* An IRI of N-Quads is absolute: it has a scheme followed by ':'. */
    size_t i = 0;
    while (i < b->len &&
           ((b->data[i] >= 'a' && b->data[i] <= 'z') || (b->data[i] >= 'A' && b->data[i] <= 'Z') ||
            (i > 0 && ((b->data[i] >= '0' && b->data[i] <= '9') || strchr("+-.", b->data[i])))))
        i++;
    if (i == 0 || i >= b->len || b->data[i] != ':')
        return RN_EMALFORMED;
    return cred_buf_add(b, "", 0);
}

static bool label_char(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-' || ch == '.' || ch >= 0x80;
}

/* BLANK_NODE_LABEL: '_:' followed by a label that does not start with '-' or '.' nor end
 * with '.'. */
static int bnode_label(cur *c, cred_buf *b)
{
    b->len = 0;
    if (c->end - c->p < 3 || c->p[0] != '_' || c->p[1] != ':')
        return RN_EMALFORMED;
    c->p += 2;
    if (*c->p == '-' || *c->p == '.')
        return RN_EMALFORMED;
    while (c->p < c->end && label_char((unsigned char)*c->p))
        RN_TRY(raw_char(c, b));
    while (b->len && b->data[b->len - 1] == '.') { /* a trailing '.' ends the statement */
        b->len--;
        c->p--;
    }
    if (!b->len)
        return RN_EMALFORMED;
    return cred_buf_add(b, "", 0);
}

static int literal(cur *c, cred_buf *b)
{
    b->len = 0;
    c->p++; /* '"' */
    while (c->p < c->end && *c->p != '"') {
        unsigned char ch = (unsigned char)*c->p;
        if (ch == '\n' || ch == '\r')
            return RN_EMALFORMED;
        if (ch != '\\') {
            RN_TRY(raw_char(c, b));
            continue;
        }
        c->p++;
        if (c->p >= c->end)
            return RN_EMALFORMED;
        const char *esc = strchr("tbnrf\"'\\", *c->p);
        if (*c->p == 'u' || *c->p == 'U') {
            RN_TRY(uchar(c, b));
        } else if (esc && *esc) {
            static const char out[] = "\t\b\n\r\f\"'\\";
            RN_TRY(cred_buf_add(b, &out[esc - "tbnrf\"'\\"], 1));
            c->p++;
        } else {
            return RN_EMALFORMED;
        }
    }
    if (c->p >= c->end)
        return RN_EMALFORMED;
    c->p++;
    return cred_buf_add(b, "", 0);
}

/* LANGTAG after '@': [a-zA-Z]+ ('-' [a-zA-Z0-9]+)* */
static int langtag(cur *c, cred_buf *b)
{
    b->len = 0;
    size_t part = 0;
    bool first = true;
    while (c->p < c->end) {
        char ch = *c->p;
        bool alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
        bool digit = ch >= '0' && ch <= '9';
        if (alpha || (digit && !first)) {
            part++;
        } else if (ch == '-' && part) {
            part = 0;
            first = false;
        } else {
            break;
        }
        RN_TRY(cred_buf_add(b, &ch, 1));
        c->p++;
    }
    if (!part)
        return RN_EMALFORMED;
    return cred_buf_add(b, "", 0);
}

/* Parses one term into t, its strings pointing into the scratch buffers. */
static int term(cur *c, cred_term *t, cred_buf *v, cred_buf *dt, bool literal_ok)
{
    memset(t, 0, sizeof(*t));
    if (c->p >= c->end)
        return RN_EMALFORMED;
    if (*c->p == '<') {
        RN_TRY(iriref(c, v));
        t->kind = CRED_TERM_IRI;
        t->value = v->data;
        return 0;
    }
    if (*c->p == '_') {
        RN_TRY(bnode_label(c, v));
        t->kind = CRED_TERM_BNODE;
        t->value = v->data;
        return 0;
    }
    if (*c->p != '"' || !literal_ok)
        return RN_EMALFORMED;
    RN_TRY(literal(c, v));
    t->kind = CRED_TERM_LITERAL;
    t->value = v->data;
    if (c->end - c->p >= 2 && c->p[0] == '^' && c->p[1] == '^') {
        c->p += 2;
        RN_TRY(iriref(c, dt));
        t->datatype = dt->data;
    } else if (c->p < c->end && *c->p == '@') {
        c->p++;
        RN_TRY(langtag(c, dt));
        t->lang = dt->data;
    }
    return 0;
}

static int parse_line(cred_dataset *ds, cur *c, cred_buf sb[6])
{
    skip_ws(c);
    if (c->p >= c->end || *c->p == '#' || *c->p == '\n' || *c->p == '\r')
        goto eol;
    cred_term s, p, o, g;
    RN_TRY(term(c, &s, &sb[0], &sb[1], false));
    skip_ws(c);
    RN_TRY(term(c, &p, &sb[2], &sb[3], false));
    if (p.kind != CRED_TERM_IRI)
        return RN_EMALFORMED;
    skip_ws(c);
    RN_TRY(term(c, &o, &sb[4], &sb[5], true));
    skip_ws(c);
    memset(&g, 0, sizeof(g));
    cred_buf gb;
    cred_buf_init(&gb, CRED_NQ_TERM_BYTES_MAX);
    int rc = 0;
    if (c->p < c->end && *c->p != '.') {
        rc = term(c, &g, &gb, &gb, false);
        skip_ws(c);
    }
    if (rc == 0 && (c->p >= c->end || *c->p != '.'))
        rc = RN_EMALFORMED;
    if (rc == 0) {
        c->p++;
        rc = cred_dataset_add(ds, &s, &p, &o, &g);
    }
    cred_buf_free(&gb);
    RN_TRY(rc);
    skip_ws(c);
eol:
    if (c->p < c->end && *c->p == '#')
        while (c->p < c->end && *c->p != '\n' && *c->p != '\r')
            c->p++;
    if (c->p < c->end && *c->p == '\r')
        c->p++;
    if (c->p < c->end && *c->p == '\n')
        c->p++;
    else if (c->p < c->end && c->p[-1] != '\r')
        return RN_EMALFORMED;
    return 0;
}

int cred_nq_parse(cred_dataset *ds, const char *text, size_t len, size_t *line)
{
    if (line)
        *line = 0;
    if (len > CRED_NQ_INPUT_BYTES_MAX)
        return RN_ETOOBIG;
    cur c = { text, text + len };
    cred_buf sb[6];
    for (int i = 0; i < 6; i++)
        cred_buf_init(&sb[i], CRED_NQ_TERM_BYTES_MAX);
    int rc = 0;
    size_t n = 0;
    while (c.p < c.end) {
        n++;
        if ((rc = parse_line(ds, &c, sb)) < 0)
            break;
    }
    for (int i = 0; i < 6; i++)
        cred_buf_free(&sb[i]);
    if (rc < 0 && line)
        *line = n;
    return rc;
}

/* ---- writer ---- */

static int write_iri(cred_buf *out, const char *iri)
{
    RN_TRY(cred_buf_add(out, "<", 1));
    RN_TRY(cred_buf_adds(out, iri));
    return cred_buf_add(out, ">", 1);
}

static int write_string(cred_buf *out, const char *s)
{
    RN_TRY(cred_buf_add(out, "\"", 1));
    const char *run = s;
    for (const char *p = s;; p++) {
        unsigned char ch = (unsigned char)*p;
        const char *esc = NULL;
        char u[7];
        if (ch == 0) {
            RN_TRY(cred_buf_add(out, run, (size_t)(p - run)));
            break;
        }
        if (ch == 0xC0 && (unsigned char)p[1] == 0x80) { /* U+0000 (see nquads.h) */
            RN_TRY(cred_buf_add(out, run, (size_t)(p - run)));
            RN_TRY(cred_buf_adds(out, "\\u0000"));
            run = p + 2;
            p++;
            continue;
        }
        esc = cred_short_escape(ch);
        if (esc == NULL && (ch < 0x20 || ch == 0x7F)) {
            static const char hex[] = "0123456789ABCDEF";
            u[0] = '\\';
            u[1] = 'u';
            u[2] = '0';
            u[3] = '0';
            u[4] = hex[ch >> 4];
            u[5] = hex[ch & 15];
            u[6] = '\0';
            esc = u;
        }
        if (esc) {
            RN_TRY(cred_buf_add(out, run, (size_t)(p - run)));
            RN_TRY(cred_buf_adds(out, esc));
            run = p + 1;
        }
    }
    return cred_buf_add(out, "\"", 1);
}

static int write_term(cred_buf *out, const cred_term *t, cred_bnode_label_fn label, void *ctx)
{
    switch (t->kind) {
    case CRED_TERM_IRI:
        return write_iri(out, t->value);
    case CRED_TERM_BNODE:
        RN_TRY(cred_buf_add(out, "_:", 2));
        return cred_buf_adds(out, label ? label(ctx, t) : t->value);
    case CRED_TERM_LITERAL:
        RN_TRY(write_string(out, t->value));
        if (t->lang) {
            RN_TRY(cred_buf_add(out, "@", 1));
            return cred_buf_adds(out, t->lang);
        }
        if (t->datatype) {
            RN_TRY(cred_buf_add(out, "^^", 2));
            return write_iri(out, t->datatype);
        }
        return 0;
    case CRED_TERM_NONE:
    default:
        return RN_EINVAL;
    }
}

int cred_nq_write_quad(cred_buf *out, const cred_quad *q, cred_bnode_label_fn label, void *ctx)
{
    size_t mark = out->len;
    int rc;
    if ((rc = write_term(out, &q->s, label, ctx)) < 0 || (rc = cred_buf_add(out, " ", 1)) < 0 ||
        (rc = write_term(out, &q->p, label, ctx)) < 0 || (rc = cred_buf_add(out, " ", 1)) < 0 ||
        (rc = write_term(out, &q->o, label, ctx)) < 0)
        goto fail;
    if (q->g.kind != CRED_TERM_NONE &&
        ((rc = cred_buf_add(out, " ", 1)) < 0 || (rc = write_term(out, &q->g, label, ctx)) < 0))
        goto fail;
    if ((rc = cred_buf_add(out, " .\n", 3)) < 0)
        goto fail;
    return 0;
fail:
    out->len = mark;
    if (out->data)
        out->data[mark] = '\0';
    return rc;
}
