/*
 * nquads.h: RDF datasets in memory, N-Quads in and canonical N-Quads out.
 *
 * The data model of RDFC-1.0 (cred/rdfc.h) and of JSON-LD's toRDF (cred/jsonld.h): a dataset is
 * a list of quads, each of four terms (subject, predicate, object, graph name), each an IRI, a
 * blank node, a literal (with a datatype IRI or a language tag) or, for the graph name only, the
 * default graph. The dataset owns every string it holds: cred_dataset_add copies.
 *
 * The writer emits the canonical form of N-Quads that RDFC-1.0 hashes and signs (RDF 1.2
 * N-Quads, "canonical N-Quads"): one quad a line, ' ' between terms, " .\n" at the end, no
 * datatype for xsd:string, and in literals the escapes \b \t \n \f \r \" \\ plus \u00XX
 * (upper-case hex) for the other controls U+0000-U+001F and U+007F; everything else is written
 * as its UTF-8 bytes. IRIs are written as they are held. Terms are C strings, so U+0000 (which
 * N-Quads allows in a literal) is held as the two bytes C0 80, as Modified UTF-8 holds it, and
 * written back as \u0000.
 *
 * The parser reads N-Quads (the RDF 1.1 grammar: IRIREF, BLANK_NODE_LABEL, STRING_LITERAL_QUOTE
 * with ECHAR and UCHAR, LANGTAG, comments, blank lines). It is strict: a line that does not
 * match the grammar is refused with its line number, nothing of the input is guessed. Input
 * comes from outside (test suites, fuzzers, operators), so every size is bounded by the limits
 * below and by the dataset's max_quads.
 */
#ifndef RN_CRED_NQUADS_H
#define RN_CRED_NQUADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/error.h"

/* Bounds of what the parser and the JSON-LD converter accept. A credential's dataset holds some
 * tens of quads; the RDFC-1.0 test suite's largest some hundreds. */
#define CRED_NQ_TERM_BYTES_MAX  (1u << 20)  /* one IRI, label or literal, after unescaping */
#define CRED_NQ_INPUT_BYTES_MAX (16u << 20) /* one N-Quads document */
#define CRED_DATASET_QUADS_MAX  100000u     /* the default bound of a dataset */

#define CRED_XSD_STRING     "http://www.w3.org/2001/XMLSchema#string"
#define CRED_RDF_LANGSTRING "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

typedef enum cred_term_kind {
    CRED_TERM_NONE = 0,    /* the default graph (graph name only) */
    CRED_TERM_IRI = 1,     /* value is the IRI */
    CRED_TERM_BNODE = 2,   /* value is the label without "_:" */
    CRED_TERM_LITERAL = 3, /* value is the lexical form */
} cred_term_kind;

typedef struct cred_term {
    cred_term_kind kind;
    char *value;    /* owned, NUL-terminated; NULL for CRED_TERM_NONE */
    char *datatype; /* owned; NULL for a literal of xsd:string and for a language-tagged one */
    char *lang;     /* owned; NULL unless the literal has a language tag (its datatype is then
                       rdf:langString, implied) */
} cred_term;

typedef struct cred_quad {
    cred_term s, p, o, g; /* g.kind == CRED_TERM_NONE for the default graph */
} cred_quad;

typedef struct cred_dataset {
    cred_quad *q;     /* owned array of n quads */
    size_t n;         /* quads held */
    size_t cap;       /* allocated */
    size_t max_quads; /* cred_dataset_add answers RN_ETOOBIG past this */
} cred_dataset;

/* A growable byte buffer with a bound (curl's dynbuf): appends past max fail with RN_ETOOBIG
 * and leave the buffer as it was. data is NUL-terminated whenever len > 0. */
typedef struct cred_buf {
    char *data; /* owned */
    size_t len;
    size_t cap;
    size_t max; /* bytes at most */
} cred_buf;

void cred_buf_init(cred_buf *b, size_t max);
void cred_buf_free(cred_buf *b);
/* Returns 0, RN_ENOMEM or RN_ETOOBIG. */
RN_MUST_USE int cred_buf_add(cred_buf *b, const void *p, size_t n);
RN_MUST_USE int cred_buf_adds(cred_buf *b, const char *s);

/* The two-character escape that JSON strings, JCS (RFC 8785) and canonical N-Quads (RDFC-1.0)
 * all write for backspace, tab, line feed, form feed, carriage return, quote and backslash;
 * NULL for any other byte (each format escapes the remaining controls its own way). */
static inline const char *cred_short_escape(unsigned char c)
{
    switch (c) {
    case '\b':
        return "\\b";
    case '\t':
        return "\\t";
    case '\n':
        return "\\n";
    case '\f':
        return "\\f";
    case '\r':
        return "\\r";
    case '"':
        return "\\\"";
    case '\\':
        return "\\\\";
    default:
        return NULL;
    }
}

/* An empty dataset of at most max_quads quads (0 means CRED_DATASET_QUADS_MAX). */
void cred_dataset_init(cred_dataset *ds, size_t max_quads);
void cred_dataset_free(cred_dataset *ds);

/* Appends a quad, copying every string of the four terms. g may be NULL for the default graph.
 * Returns 0, RN_ENOMEM, or RN_ETOOBIG when the dataset is full or a string is longer than
 * CRED_NQ_TERM_BYTES_MAX. Duplicates are kept; cred_rdfc_canonize treats the dataset as a set. */
RN_MUST_USE int cred_dataset_add(cred_dataset *ds, const cred_term *s, const cred_term *p,
                                 const cred_term *o, const cred_term *g);

/* Parses N-Quads text (not NUL-terminated, len bytes) and appends its quads to ds. Returns 0;
 * RN_EMALFORMED for text outside the grammar, RN_EUTF8 for invalid UTF-8 or an escape that is
 * not a Unicode scalar value, RN_ETOOBIG past a limit, RN_ENOMEM. On failure *line (when not
 * NULL) is the 1-based line at fault, and ds holds the quads of the lines before it. */
RN_MUST_USE int cred_nq_parse(cred_dataset *ds, const char *text, size_t len, size_t *line);

/* Appends the canonical N-Quads line of q (with its "\n") to out. When bnode_label is not NULL
 * it gives the label written for each blank node (without "_:"), else the term's own label.
 * Returns 0, RN_ENOMEM or RN_ETOOBIG. */
typedef const char *(*cred_bnode_label_fn)(void *ctx, const cred_term *t);
RN_MUST_USE int cred_nq_write_quad(cred_buf *out, const cred_quad *q, cred_bnode_label_fn label,
                                   void *ctx);

#endif /* RN_CRED_NQUADS_H */
