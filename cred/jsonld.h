/*
 * jsonld.h: JSON-LD 1.1 to RDF, for the contexts that credentials use, shipped with the program.
 *
 * A Data Integrity proof over JSON-LD (eddsa-rdfc-2022, Ed25519Signature2020) signs the RDF
 * dataset the document denotes, so a verifier must read the document as JSON-LD: process its
 * @context, expand it (JSON-LD 1.1 API, section 5.1) and turn the expanded form into quads
 * (section 8.1, "Deserialize JSON-LD to RDF"). This module does exactly that, and no more: no
 * compaction, framing or flattening.
 *
 * Contexts are never fetched. A context named by URL must be one of the documents embedded at
 * build time from cred/contexts/ (the table cred_ld_contexts, listed in cred/CMakeLists.txt):
 * the W3C VC v1 and v2 contexts and their examples, Data Integrity v1 and v2, Multikey,
 * Ed25519Signature2020, and the Open Badges 3.0 contexts (3.0.0 as context.json, 3.0.1, 3.0.2,
 * 3.0.3). Any other URL is refused with RN_ENOTFOUND and a message naming it. Inline (object)
 * contexts in the document are processed as the specification says.
 *
 * Supported: @version, @vocab, @language (default and per term), @protected (a protected term
 * redefined differently is an error), term definitions with @id, @type (@id, @vocab, @json,
 * @none, datatype IRIs), @container @set, @list and @graph, @prefix, compact IRIs, keyword
 * aliases, property-scoped and type-scoped contexts (the latter not propagated to nested nodes),
 * @context null, graph containers and @graph, lists, native numbers and booleans (canonical
 * xsd:integer, xsd:double, xsd:boolean), JSON literals (rdf:JSON, in JCS form). Refused with
 * RN_EINVAL and a message naming the keyword: @import, @base, @direction, @reverse, @nest,
 * @included, @propagate, and the @index, @language, @id and @type containers; none of them
 * occurs in the shipped contexts. Relative IRIs (there is no document base) are dropped, as the
 * specification drops IRIs that are not absolute when producing RDF.
 *
 * Blank nodes are labelled b0, b1, ... in document order; labels written in the document are
 * mapped to fresh ones, so they never collide. Canonicalize (cred/rdfc.h) before comparing.
 *
 * The shipped contexts are parsed once per process, and a document @context made only of
 * shipped URLs is processed once per process (at most 32 such lists), under a mutex; the
 * function may be called from several threads.
 *
 * Bounds: nesting depth CRED_JSONLD_DEPTH_MAX, context processing CRED_JSONLD_CONTEXTS_MAX
 * times per document, memory CRED_JSONLD_ARENA_BYTES_MAX, quads as the dataset allows. Each is
 * RN_ETOOBIG when passed. The document is only read.
 */
#ifndef RN_CRED_JSONLD_H
#define RN_CRED_JSONLD_H

#include <stddef.h>

#include <jansson.h>

#include "cred/nquads.h"
#include "proto/error.h"

#define CRED_JSONLD_DEPTH_MAX       64u
#define CRED_JSONLD_CONTEXTS_MAX    4096u /* context processings (nested, scoped) per document */
#define CRED_JSONLD_ARENA_BYTES_MAX (64u << 20)
#define CRED_JSONLD_ERR_CHARS       256u

/* One shipped context document: its URL, its file under cred/contexts/ and its bytes. */
typedef struct cred_ld_context {
    const char *url;
    const char *file;
    const char *data; /* static, NUL-terminated */
    size_t len;
} cred_ld_context;

/* The shipped contexts, ending with an entry whose url is NULL (generated from
 * cred/CMakeLists.txt). */
extern const cred_ld_context cred_ld_contexts[];

/* Returns the shipped context of that URL, or NULL. */
const cred_ld_context *cred_ld_context_find(const char *url);

/* Converts the JSON-LD document doc (an object or an array) to RDF and appends its quads to out.
 * Returns 0; RN_ENOTFOUND for a context URL that is not shipped; RN_EMALFORMED for a document
 * that is not valid JSON-LD (a term definition of the wrong type, colliding keywords, a cyclic
 * IRI mapping, a protected term redefined, an invalid value object); RN_EINVAL for a feature
 * outside the supported set above; RN_ETOOBIG past a bound; RN_ENOMEM. err (when not NULL,
 * errlen bytes, CRED_JSONLD_ERR_CHARS is enough) receives a sentence naming the context,
 * term or keyword at fault. On failure out may hold part of the quads. */
RN_MUST_USE int cred_jsonld_to_rdf(const json_t *doc, cred_dataset *out, char *err, size_t errlen);

/* Writes the canonical xsd:double lexical form of d (JSON-LD 1.1 section 8.6: "1.1E0",
 * "1.0E-7") into buf. Returns 0 or RN_EINVAL for NaN and the infinities. */
RN_MUST_USE int cred_jsonld_double(double d, char buf[32]);

#endif /* RN_CRED_JSONLD_H */
