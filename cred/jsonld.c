/*
 * jsonld.c: JSON-LD 1.1 context processing, expansion and deserialization to RDF
 * (cred/jsonld.h). The function names follow the algorithms of the JSON-LD 1.1 Processing
 * Algorithms and API: process_context (4.1), create_term (4.2), expand_iri (5.2), expand (5.1),
 * expand_value (5.3.2), and to_rdf (8.1, done directly on the expanded form: the node map of
 * 7.2 is not needed because the quads are a set and blank node labels are canonicalized later).
 *
 * Memory: every active context, term definition and string lives in one arena freed when the
 * conversion ends, so contexts can share term definitions freely (a context copy copies the
 * array of pointers, not the definitions). The expanded form is jansson values, freed as usual.
 */
#include "cred/jsonld.h"

#include <ctype.h>
#include <pthread.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cred/jcs.h"

#define RDF_NS "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define XSD_NS "http://www.w3.org/2001/XMLSchema#"

enum { C_SET = 1, C_LIST = 2, C_GRAPH = 4 };

typedef struct term_def {
    const char *term;
    const char *iri;  /* NULL: the term is mapped to null (ignored) */
    const char *type; /* type mapping: "@id", "@vocab", "@json", "@none", an IRI, or NULL */
    const char *lang; /* language mapping; meaningful when has_lang */
    json_t *ctx;      /* scoped context (borrowed from a document that outlives the run) */
    unsigned container;
    bool has_ctx, has_lang, prot, prefix;
} term_def;

typedef struct actx {
    term_def **t; /* arena; sorted by term for lookup */
    size_t n;
    const char *vocab;           /* NULL: none */
    const char *lang;            /* default language, NULL: none */
    const struct actx *previous; /* the context before a type-scoped one, or NULL */
    json_t *type_def;            /* the definition of @type (borrowed), or NULL */
    bool type_protected;         /* that definition is protected */
} actx;

typedef struct chunk {
    struct chunk *next;
    size_t used, size;
    max_align_t data[];
} chunk;

typedef struct st {
    chunk *arena;
    size_t arena_bytes;
    unsigned contexts; /* context processings so far */
    unsigned depth;
    bool validating; /* processing a scoped context only to validate it */
    char *err;
    size_t errlen;
    /* to_rdf */
    cred_dataset *out;
    json_t *bnodes; /* document label -> issued label */
    unsigned long next_bnode;
} st;

static int fail(st *s, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(st *s, int code, const char *fmt, ...)
{
    if (s->err && s->errlen && !s->err[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->err, s->errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

static void *alloc(st *s, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (!s->arena || s->arena->size - s->arena->used < n) {
        size_t size = n > 65536 ? n : 65536;
        if (s->arena_bytes + size > CRED_JSONLD_ARENA_BYTES_MAX)
            return NULL;
        chunk *c = malloc(sizeof(chunk) + size);
        if (!c)
            return NULL;
        c->next = s->arena;
        c->used = 0;
        c->size = size;
        s->arena = c;
        s->arena_bytes += size;
    }
    void *p = (char *)s->arena->data + s->arena->used;
    s->arena->used += n;
    memset(p, 0, n);
    return p;
}

static const char *sdup(st *s, const char *a, const char *b)
{
    size_t la = strlen(a), lb = b ? strlen(b) : 0;
    char *p = alloc(s, la + lb + 1);
    if (!p)
        return NULL;
    memcpy(p, a, la);
    if (lb)
        memcpy(p + la, b, lb);
    p[la + lb] = '\0';
    return p;
}

#define NOMEM(s) fail((s), RN_ETOOBIG, "JSON-LD processing exceeds its memory bound")

static const char *const KEYWORDS[] = {
    "@base",     "@container", "@context",   "@default",   "@direction",  "@embed",
    "@explicit", "@graph",     "@id",        "@import",    "@included",   "@index",
    "@json",     "@language",  "@list",      "@nest",      "@none",       "@omitDefault",
    "@prefix",   "@preserve",  "@propagate", "@protected", "@requireAll", "@reverse",
    "@set",      "@type",      "@value",     "@version",   "@vocab",
};

static bool is_keyword(const char *k)
{
    if (!k || k[0] != '@')
        return false;
    for (size_t i = 0; i < sizeof(KEYWORDS) / sizeof(KEYWORDS[0]); i++)
        if (strcmp(k, KEYWORDS[i]) == 0)
            return true;
    return false;
}

/* "@" followed by ALPHA only: reserved for future keywords, ignored. */
static bool keyword_form(const char *k)
{
    if (!k || k[0] != '@' || !k[1])
        return false;
    for (const char *p = k + 1; *p; p++)
        if (!isalpha((unsigned char)*p))
            return false;
    return true;
}

/* An absolute IRI: a scheme (ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )) and a colon. */
static bool absolute_iri(const char *v)
{
    if (!v || !isalpha((unsigned char)v[0]))
        return false;
    const char *p = v + 1;
    while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
        p++;
    return *p == ':';
}

/* An absolute IRI that RDF can hold: no spaces, controls or the characters IRIs exclude. */
static bool iri_ok(const char *v)
{
    if (!absolute_iri(v))
        return false;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p <= 0x20 || strchr("<>\"{}|^`\\", *p))
            return false;
    return true;
}

static const term_def *lookup(const actx *a, const char *term)
{
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(a->t[mid]->term, term);
        if (c == 0)
            return a->t[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static actx *ctx_copy(st *s, const actx *a)
{
    actx *c = alloc(s, sizeof(actx));
    if (!c)
        return NULL;
    *c = *a;
    /* Room for one more definition than held, so that set_term can insert in place; a copy
     * is made for each context processed, before its terms are defined. */
    c->t = alloc(s, (a->n + 1) * sizeof(term_def *));
    if (!c->t)
        return NULL;
    if (a->n)
        memcpy(c->t, a->t, a->n * sizeof(term_def *));
    return c;
}

/* Inserts or replaces d in a (a was made by ctx_copy; grows by copying when full). */
static int set_term(st *s, actx *a, term_def *d, size_t *cap)
{
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(a->t[mid]->term, d->term);
        if (c == 0) {
            a->t[mid] = d;
            return 0;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (a->n + 1 > *cap) {
        size_t ncap = *cap * 2 + 8;
        term_def **t = alloc(s, ncap * sizeof(term_def *));
        if (!t)
            return NOMEM(s);
        memcpy(t, a->t, a->n * sizeof(term_def *));
        a->t = t;
        *cap = ncap;
    }
    memmove(&a->t[lo + 1], &a->t[lo], (a->n - lo) * sizeof(term_def *));
    a->t[lo] = d;
    a->n++;
    return 0;
}

static void remove_term(actx *a, const char *term)
{
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->t[i]->term, term) == 0) {
            memmove(&a->t[i], &a->t[i + 1], (a->n - i - 1) * sizeof(term_def *));
            a->n--;
            return;
        }
}

/* The state of one context being processed: the local context, which of its terms are defined
 * (true), being defined (false), and the result's capacity. */
typedef struct defining {
    actx *a;
    size_t cap;
    json_t *local;
    json_t *defined;
    bool prot;
    bool override_protected;
} defining;

static int create_term(st *s, defining *df, const char *term);
static int process_context(st *s, const actx *active, json_t *local, bool override_protected,
                           bool propagate, unsigned remote_depth, const actx **out);

/* IRI expansion (5.2). *out is NULL for a value mapped to null or ignored. */
static int expand_iri(st *s, const actx *a, const char *v, bool vocab, defining *df,
                      const char **out)
{
    *out = NULL;
    if (!v)
        return 0;
    if (is_keyword(v)) {
        *out = v;
        return 0;
    }
    if (keyword_form(v))
        return 0;
    if (df && json_object_get(df->local, v)) {
        json_t *d = json_object_get(df->defined, v);
        if (!d || !json_is_true(d))
            RN_TRY(create_term(s, df, v));
        a = df->a;
    }
    const term_def *t = lookup(a, v);
    if (vocab && t) {
        *out = t->iri;
        return 0;
    }
    const char *colon = v[0] ? strchr(v + 1, ':') : NULL;
    if (colon) {
        size_t plen = (size_t)(colon - v);
        const char *suffix = colon + 1;
        if ((plen == 1 && v[0] == '_') || strncmp(suffix, "//", 2) == 0) {
            *out = v;
            return 0;
        }
        char prefix[256];
        if (plen < sizeof(prefix)) {
            memcpy(prefix, v, plen);
            prefix[plen] = '\0';
            if (df && json_object_get(df->local, prefix)) {
                json_t *d = json_object_get(df->defined, prefix);
                if (!d || !json_is_true(d))
                    RN_TRY(create_term(s, df, prefix));
                a = df->a;
            }
            const term_def *p = lookup(a, prefix);
            if (p && p->iri && p->prefix) {
                *out = sdup(s, p->iri, suffix);
                return *out ? 0 : NOMEM(s);
            }
        }
        if (absolute_iri(v)) {
            *out = v;
            return 0;
        }
    }
    if (vocab && a->vocab) {
        *out = sdup(s, a->vocab, v);
        return *out ? 0 : NOMEM(s);
    }
    /* Relative to the document's base, which a credential does not have: kept as it is, and
     * dropped when producing RDF. */
    *out = v;
    return 0;
}

static bool gen_delim_end(const char *iri)
{
    size_t n = strlen(iri);
    return n && strchr(":/?#[]@", iri[n - 1]);
}

static bool same_def(const term_def *x, const term_def *y)
{
#define SEQ(a, b) ((a) == (b) || ((a) && (b) && strcmp((a), (b)) == 0))
    return SEQ(x->iri, y->iri) && SEQ(x->type, y->type) && x->container == y->container &&
           x->has_ctx == y->has_ctx && (!x->has_ctx || json_equal(x->ctx, y->ctx)) &&
           x->has_lang == y->has_lang && SEQ(x->lang, y->lang) && x->prefix == y->prefix;
#undef SEQ
}

static int parse_container(st *s, const char *term, json_t *c, unsigned *out)
{
    *out = 0;
    json_t *one = NULL;
    size_t i, n = json_is_array(c) ? json_array_size(c) : 1;
    for (i = 0; i < n; i++) {
        one = json_is_array(c) ? json_array_get(c, i) : c;
        const char *v = json_string_value(one);
        if (!v)
            return fail(s, RN_EMALFORMED, "term \"%s\": @container is not a string", term);
        if (strcmp(v, "@set") == 0)
            *out |= C_SET;
        else if (strcmp(v, "@list") == 0)
            *out |= C_LIST;
        else if (strcmp(v, "@graph") == 0)
            *out |= C_GRAPH;
        else
            return fail(s, RN_EINVAL, "term \"%s\": container %s is not supported", term, v);
    }
    if ((*out & C_LIST) && *out != C_LIST)
        return fail(s, RN_EMALFORMED, "term \"%s\": @list container combined", term);
    return 0;
}

/* Create Term Definition (4.2). */
static int create_term(st *s, defining *df, const char *term)
{
    json_t *d = json_object_get(df->defined, term);
    if (d) {
        if (json_is_true(d))
            return 0;
        return fail(s, RN_EMALFORMED, "cyclic IRI mapping of term \"%s\"", term);
    }
    if (!term[0])
        return fail(s, RN_EMALFORMED, "invalid term definition: empty term");
    json_object_set_new(df->defined, term, json_false());
    json_t *value = json_object_get(df->local, term);
    if (is_keyword(term)) {
        if (strcmp(term, "@type") == 0 && json_is_object(value) && json_object_size(value)) {
            /* Only {"@container": "@set"} and @protected may be said of @type. */
            const char *k;
            json_t *kv;
            bool ok = true;
            json_object_foreach(value, k, kv)
            {
                ok = ok && ((strcmp(k, "@container") == 0 && json_is_string(kv) &&
                             strcmp(json_string_value(kv), "@set") == 0) ||
                            (strcmp(k, "@protected") == 0 && json_is_boolean(kv)));
            }
            if (ok && df->a->type_def && df->a->type_protected && !df->override_protected &&
                !json_equal(df->a->type_def, value))
                return fail(s, RN_EMALFORMED, "protected term redefinition: \"@type\"");
            if (ok) {
                json_t *p = json_object_get(value, "@protected");
                df->a->type_def = value;
                df->a->type_protected = p ? json_is_true(p) : df->prot;
                json_object_set_new(df->defined, term, json_true());
                return 0;
            }
        }
        return fail(s, RN_EMALFORMED, "keyword redefinition: \"%s\"", term);
    }
    if (keyword_form(term)) {
        json_object_set_new(df->defined, term, json_true());
        return 0;
    }
    const term_def *previous = lookup(df->a, term);
    remove_term(df->a, term);
    term_def *def = alloc(s, sizeof(term_def));
    if (!def || !(def->term = sdup(s, term, NULL)))
        return NOMEM(s);
    bool simple = false;
    json_t *obj = value, *tmp = NULL;
    if (json_is_null(value)) {
        tmp = obj = json_pack("{s:n}", "@id");
    } else if (json_is_string(value)) {
        tmp = obj = json_pack("{s:O}", "@id", value);
        simple = true;
    } else if (!json_is_object(value)) {
        return fail(s, RN_EMALFORMED, "invalid term definition of \"%s\"", term);
    }
    if (!obj)
        return RN_ENOMEM;
    int rc = 0;
    def->prot = df->prot;
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        static const char *const known[] = { "@id",       "@type",   "@container", "@context",
                                             "@language", "@prefix", "@protected" };
        bool ok = false;
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
            ok = ok || strcmp(key, known[i]) == 0;
        if (!ok) {
            rc = fail(s, is_keyword(key) ? RN_EINVAL : RN_EMALFORMED,
                      "term \"%s\": %s in a term definition is not supported", term, key);
            goto out;
        }
    }
    json_t *prot = json_object_get(obj, "@protected");
    if (prot) {
        if (!json_is_boolean(prot)) {
            rc = fail(s, RN_EMALFORMED, "term \"%s\": @protected is not a boolean", term);
            goto out;
        }
        def->prot = json_is_true(prot);
    }
    json_t *type = json_object_get(obj, "@type");
    if (type) {
        if (!json_is_string(type)) {
            rc = fail(s, RN_EMALFORMED, "term \"%s\": @type is not a string", term);
            goto out;
        }
        RN_GUARD(rc, expand_iri(s, df->a, json_string_value(type), true, df, &def->type));
        if (!def->type || (!absolute_iri(def->type) && strcmp(def->type, "@id") != 0 &&
                           strcmp(def->type, "@vocab") != 0 && strcmp(def->type, "@json") != 0 &&
                           strcmp(def->type, "@none") != 0)) {
            rc = fail(s, RN_EMALFORMED, "term \"%s\": invalid type mapping", term);
            goto out;
        }
    }
    json_t *id = json_object_get(obj, "@id");
    if (id && !(json_is_string(id) && strcmp(json_string_value(id), term) == 0)) {
        if (json_is_null(id)) {
            def->iri = NULL;
        } else if (!json_is_string(id)) {
            rc = fail(s, RN_EMALFORMED, "term \"%s\": @id is not a string", term);
            goto out;
        } else {
            const char *iv = json_string_value(id);
            if (!is_keyword(iv) && keyword_form(iv)) {
                json_object_set_new(df->defined, term, json_true());
                goto out; /* reserved: ignored */
            }
            RN_GUARD(rc, expand_iri(s, df->a, iv, true, df, &def->iri));
            if (!def->iri || (!is_keyword(def->iri) && !absolute_iri(def->iri))) {
                rc = fail(s, RN_EMALFORMED, "term \"%s\": invalid IRI mapping", term);
                goto out;
            }
            if (strcmp(def->iri, "@context") == 0) {
                rc = fail(s, RN_EMALFORMED, "term \"%s\": invalid keyword alias", term);
                goto out;
            }
            def->prefix =
                simple && !strchr(term, ':') && !strchr(term, '/') && gen_delim_end(def->iri);
            if (strchr(term + 1, ':') || strchr(term, '/')) {
                /* A term that looks like an IRI must expand to its own mapping (4.2, 14.2.3). */
                const char *texp;
                json_object_set_new(df->defined, term, json_true());
                RN_GUARD(rc, expand_iri(s, df->a, term, true, df, &texp));
                json_object_set_new(df->defined, term, json_false());
                if (!texp || strcmp(texp, def->iri) != 0) {
                    rc = fail(s, RN_EMALFORMED, "term \"%s\": invalid IRI mapping", term);
                    goto out;
                }
            }
        }
    } else if (strchr(term + 1, ':')) {
        /* A compact IRI or an IRI as term (4.2, step 15). */
        const char *colon = strchr(term + 1, ':');
        char prefix[256];
        size_t plen = (size_t)(colon - term);
        const term_def *p = NULL;
        if (plen < sizeof(prefix)) {
            memcpy(prefix, term, plen);
            prefix[plen] = '\0';
            if (json_object_get(df->local, prefix))
                RN_GUARD(rc, create_term(s, df, prefix));
            p = lookup(df->a, prefix);
        }
        if (p && p->iri)
            def->iri = sdup(s, p->iri, colon + 1);
        else if (absolute_iri(term) || strncmp(term, "_:", 2) == 0)
            def->iri = sdup(s, term, NULL);
        if (!def->iri) {
            rc = fail(s, RN_EMALFORMED, "term \"%s\": invalid IRI mapping", term);
            goto out;
        }
    } else if (strchr(term, '/')) {
        rc = fail(s, RN_EINVAL, "term \"%s\": relative IRI terms are not supported", term);
        goto out;
    } else if (df->a->vocab) {
        if (!(def->iri = sdup(s, df->a->vocab, term))) {
            rc = NOMEM(s);
            goto out;
        }
    } else {
        rc = fail(s, RN_EMALFORMED, "term \"%s\": no IRI mapping and no @vocab", term);
        goto out;
    }
    json_t *container = json_object_get(obj, "@container");
    if (container)
        RN_GUARD(rc, parse_container(s, term, container, &def->container));
    json_t *sc = json_object_get(obj, "@context");
    if (sc) {
        def->has_ctx = true;
        def->ctx = sc;
        /* Validated now, as 4.2 step 21 asks, but not recursively (its own scoped contexts are
         * validated when used). */
        if (!s->validating) {
            const actx *ignored;
            s->validating = true;
            rc = process_context(s, df->a, sc, true, true, 0, &ignored);
            s->validating = false;
            if (rc < 0) {
                if (rc == RN_EMALFORMED)
                    rc = fail(s, rc, "term \"%s\": invalid scoped context", term);
                goto out;
            }
        }
    }
    json_t *lang = json_object_get(obj, "@language");
    if (lang && !type) {
        if (!json_is_null(lang) && !json_is_string(lang)) {
            rc = fail(s, RN_EMALFORMED, "term \"%s\": invalid language mapping", term);
            goto out;
        }
        def->has_lang = true;
        def->lang = json_is_string(lang) ? sdup(s, json_string_value(lang), NULL) : NULL;
    }
    json_t *prefix = json_object_get(obj, "@prefix");
    if (prefix) {
        if (!json_is_boolean(prefix) || strchr(term, ':') || strchr(term, '/')) {
            rc = fail(s, RN_EMALFORMED, "term \"%s\": invalid @prefix", term);
            goto out;
        }
        def->prefix = json_is_true(prefix);
        if (def->prefix && def->iri && is_keyword(def->iri)) {
            rc = fail(s, RN_EMALFORMED, "term \"%s\": a keyword alias cannot be a prefix", term);
            goto out;
        }
    }
    if (previous && previous->prot && !df->override_protected) {
        if (!same_def(previous, def)) {
            rc = fail(s, RN_EMALFORMED, "protected term redefinition: \"%s\"", term);
            goto out;
        }
        def = (term_def *)previous;
    }
    RN_GUARD(rc, set_term(s, df->a, def, &df->cap));
    json_object_set_new(df->defined, term, json_true());
out:
    json_decref(tmp);
    return rc;
}

static const cred_ld_context *find_ctx(const char *url)
{
    for (const cred_ld_context *c = cred_ld_contexts; c->url; c++)
        if (strcmp(c->url, url) == 0)
            return c;
    return NULL;
}

const cred_ld_context *cred_ld_context_find(const char *url)
{
    return find_ctx(url);
}

/* The shipped contexts, parsed once per process (pthread_once) and then only read: jansson's
 * reference counts are atomic (JANSSON_THREAD_SAFE_REFCOUNT), so conversions on several threads
 * may share them. Parsing is most of the cost of a conversion otherwise (about 1 ms for the VC
 * v2 and OB 3.0 contexts). They live as long as the process. */
#define SHIPPED_MAX 64
static json_t *shipped[SHIPPED_MAX];
static pthread_once_t shipped_once = PTHREAD_ONCE_INIT;

static void shipped_parse(void)
{
    size_t i = 0;
    for (const cred_ld_context *c = cred_ld_contexts; c->url; c++, i++) {
        RN_ASSERT(i < SHIPPED_MAX);
        shipped[i] = json_loadb(c->data, c->len, JSON_REJECT_DUPLICATES, NULL);
        RN_ASSERT(json_is_object(json_object_get(shipped[i], "@context")));
    }
}

static int load_ctx(st *s, const char *url, json_t **out)
{
    *out = NULL;
    const cred_ld_context *c = find_ctx(url);
    if (!c)
        return fail(s, RN_ENOTFOUND,
                    "unknown JSON-LD context %s: only the contexts shipped with recnet are used, "
                    "none is fetched",
                    url);
    RN_ASSERT(pthread_once(&shipped_once, shipped_parse) == 0);
    *out = shipped[c - cred_ld_contexts];
    return 0;
}

/* Context Processing (4.1). *out is a new context in the arena. */
static int process_context(st *s, const actx *active, json_t *local, bool override_protected,
                           bool propagate, unsigned remote_depth, const actx **out)
{
    if (++s->contexts > CRED_JSONLD_CONTEXTS_MAX || remote_depth > 16)
        return fail(s, RN_ETOOBIG, "too many JSON-LD contexts");
    actx *result = ctx_copy(s, active);
    if (!result)
        return NOMEM(s);
    if (json_is_object(local) && json_object_get(local, "@propagate"))
        return fail(s, RN_EINVAL, "@propagate is not supported");
    if (!propagate && !result->previous)
        result->previous = active;
    size_t n = json_is_array(local) ? json_array_size(local) : 1;
    for (size_t i = 0; i < n; i++) {
        json_t *c = json_is_array(local) ? json_array_get(local, i) : local;
        if (json_is_null(c)) {
            if (!override_protected)
                for (size_t k = 0; k < result->n; k++)
                    if (result->t[k]->prot)
                        return fail(s, RN_EMALFORMED,
                                    "invalid context nullification: term \"%s\" is protected",
                                    result->t[k]->term);
            const actx *prev = result->previous;
            result = alloc(s, sizeof(actx));
            if (!result)
                return NOMEM(s);
            result->t = alloc(s, sizeof(term_def *));
            if (!result->t)
                return NOMEM(s);
            if (!propagate)
                result->previous = prev;
            continue;
        }
        if (json_is_string(c)) {
            json_t *doc;
            RN_TRY(load_ctx(s, json_string_value(c), &doc));
            const actx *r;
            RN_TRY(process_context(s, result, json_object_get(doc, "@context"), override_protected,
                                   true, remote_depth + 1, &r));
            result = (actx *)r;
            continue;
        }
        if (!json_is_object(c))
            return fail(s, RN_EMALFORMED, "invalid local context (not an object, string or null)");
        /* A fresh copy to define terms in place. */
        actx *copy = ctx_copy(s, result);
        if (!copy)
            return NOMEM(s);
        result = copy;
        static const char *const unsupported[] = { "@import", "@base", "@direction" };
        for (size_t k = 0; k < 3; k++)
            if (json_object_get(c, unsupported[k]))
                return fail(s, RN_EINVAL, "%s in a context is not supported", unsupported[k]);
        json_t *ver = json_object_get(c, "@version");
        if (ver && !(json_is_number(ver) && json_number_value(ver) == 1.1))
            return fail(s, RN_EMALFORMED, "invalid @version");
        json_t *vocab = json_object_get(c, "@vocab");
        if (vocab) {
            if (json_is_null(vocab)) {
                result->vocab = NULL;
            } else if (json_is_string(vocab)) {
                const char *iri;
                RN_TRY(expand_iri(s, result, json_string_value(vocab), true, NULL, &iri));
                if (!iri || (!absolute_iri(iri) && strncmp(iri, "_:", 2) != 0))
                    return fail(s, RN_EINVAL, "relative @vocab is not supported");
                result->vocab = iri;
            } else {
                return fail(s, RN_EMALFORMED, "invalid @vocab");
            }
        }
        json_t *lang = json_object_get(c, "@language");
        if (lang) {
            if (json_is_null(lang))
                result->lang = NULL;
            else if (json_is_string(lang))
                result->lang = sdup(s, json_string_value(lang), NULL);
            else
                return fail(s, RN_EMALFORMED, "invalid default language");
        }
        json_t *prot = json_object_get(c, "@protected");
        if (prot && !json_is_boolean(prot))
            return fail(s, RN_EMALFORMED, "invalid @protected value");
        defining df = { result,        result->n + 1,      c,
                        json_object(), json_is_true(prot), override_protected };
        if (!df.defined)
            return RN_ENOMEM;
        const char *key;
        json_t *v;
        int rc = 0;
        json_object_foreach(c, key, v)
        {
            if (!strcmp(key, "@version") || !strcmp(key, "@vocab") || !strcmp(key, "@language") ||
                !strcmp(key, "@protected"))
                continue;
            if ((rc = create_term(s, &df, key)) < 0)
                break;
        }
        json_decref(df.defined);
        RN_TRY(rc);
        result = df.a;
    }
    *out = result;
    return 0;
}

/* The processed form of a document's @context made only of shipped URLs, over the empty
 * context (the shape of every credential: ["https://www.w3.org/ns/credentials/v2", "https://
 * purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]), is the same for every document: it is
 * kept for the life of the process in an arena of its own, keyed by the URLs, for at most
 * MEMO_MAX combinations (further ones are processed per document, so that documents naming
 * ever new combinations cannot grow it). Processing the VC v2 and OB 3.0 contexts is otherwise
 * most of the cost of a conversion. Guarded by a mutex; the contexts, once made, are only
 * read. */
#define MEMO_MAX       32
#define MEMO_KEY_CHARS 1024
static pthread_mutex_t memo_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char key[MEMO_KEY_CHARS];
    const actx *ctx;
} memo[MEMO_MAX];
static size_t memo_n;
static chunk *memo_arena;
static size_t memo_arena_bytes;

static bool is_empty_ctx(const actx *a)
{
    return a->n == 0 && !a->vocab && !a->lang && !a->previous;
}

static int process_document_context(st *s, const actx *a, json_t *lc, const actx **out)
{
    char key[MEMO_KEY_CHARS];
    size_t len = 0, n = json_is_array(lc) ? json_array_size(lc) : 1;
    bool memoable = is_empty_ctx(a) && n > 0;
    for (size_t i = 0; memoable && i < n; i++) {
        const char *url = json_string_value(json_is_array(lc) ? json_array_get(lc, i) : lc);
        size_t ul = url ? strlen(url) : 0;
        memoable = url && find_ctx(url) && len + ul + 2 < sizeof(key);
        if (memoable) {
            memcpy(key + len, url, ul);
            len += ul;
            key[len++] = ' ';
            key[len] = '\0';
        }
    }
    if (!memoable)
        return process_context(s, a, lc, false, true, 0, out);
    RN_ASSERT(pthread_mutex_lock(&memo_lock) == 0);
    for (size_t i = 0; i < memo_n; i++)
        if (strcmp(memo[i].key, key) == 0) {
            *out = memo[i].ctx;
            RN_ASSERT(pthread_mutex_unlock(&memo_lock) == 0);
            return 0;
        }
    int rc;
    if (memo_n == MEMO_MAX) {
        RN_ASSERT(pthread_mutex_unlock(&memo_lock) == 0);
        return process_context(s, a, lc, false, true, 0, out);
    }
    /* Processed in the memo's arena: swap it in for the call. */
    chunk *own = s->arena;
    size_t own_bytes = s->arena_bytes;
    s->arena = memo_arena;
    s->arena_bytes = memo_arena_bytes;
    rc = process_context(s, a, lc, false, true, 0, out);
    memo_arena = s->arena;
    memo_arena_bytes = s->arena_bytes;
    s->arena = own;
    s->arena_bytes = own_bytes;
    if (rc == 0) {
        memcpy(memo[memo_n].key, key, len + 1);
        memo[memo_n].ctx = *out;
        memo_n++;
    }
    RN_ASSERT(pthread_mutex_unlock(&memo_lock) == 0);
    return rc;
}

/* ---- expansion ---- */

static json_t *as_array(json_t *v) /* steals v */
{
    if (json_is_array(v))
        return v;
    json_t *a = json_array();
    if (a && v)
        json_array_append_new(a, v);
    else
        json_decref(v);
    return a;
}

/* Value Expansion (5.3.2). */
static int expand_value(st *s, const actx *a, const char *prop, json_t *value, json_t **out)
{
    const term_def *t = prop ? lookup(a, prop) : NULL;
    const char *type = t ? t->type : NULL;
    *out = NULL;
    if (type && json_is_string(value) &&
        (strcmp(type, "@id") == 0 || strcmp(type, "@vocab") == 0)) {
        const char *iri;
        RN_TRY(expand_iri(s, a, json_string_value(value), strcmp(type, "@vocab") == 0, NULL, &iri));
        *out = iri ? json_pack("{s:s}", "@id", iri) : json_pack("{s:n}", "@id");
        return *out ? 0 : RN_ENOMEM;
    }
    json_t *r = json_pack("{s:O}", "@value", value);
    if (!r)
        return RN_ENOMEM;
    if (type && strcmp(type, "@id") && strcmp(type, "@vocab") && strcmp(type, "@none")) {
        json_object_set_new(r, "@type", json_string(type));
    } else if (json_is_string(value)) {
        const char *lang = t && t->has_lang ? t->lang : a->lang;
        if (lang)
            json_object_set_new(r, "@language", json_string(lang));
    }
    *out = r;
    return 0;
}

static int expand(st *s, const actx *a, const char *prop, json_t *elem, bool from_map,
                  json_t **out);

static int sorted_keys(json_t *obj, const char ***keys, size_t *n)
{
    *n = json_object_size(obj);
    *keys = malloc((*n ? *n : 1) * sizeof(char *));
    if (!*keys)
        return RN_ENOMEM;
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        (*keys)[i++] = k;
    }
    for (size_t x = 1; x < *n; x++)
        for (size_t y = x; y > 0 && strcmp((*keys)[y - 1], (*keys)[y]) > 0; y--) {
            const char *tk = (*keys)[y];
            (*keys)[y] = (*keys)[y - 1];
            (*keys)[y - 1] = tk;
        }
    return 0;
}

static int add_value(json_t *result, const char *key, json_t *v) /* steals v */
{
    json_t *cur = json_object_get(result, key);
    if (!cur) {
        json_t *arr = json_array();
        if (!arr) {
            json_decref(v);
            return RN_ENOMEM;
        }
        json_object_set_new(result, key, arr);
        cur = arr;
    }
    if (json_is_array(v)) {
        json_array_extend(cur, v);
        json_decref(v);
    } else {
        json_array_append_new(cur, v);
    }
    return 0;
}

/* The entries of a node or value object (5.1.2, steps 13-14). */
static int expand_object(st *s, const actx *a, const actx *type_scoped, const char *prop,
                         json_t *elem, json_t *result)
{
    const char **keys;
    size_t n;
    RN_TRY(sorted_keys(elem, &keys, &n));
    int rc = 0;
    bool json_type = false;
    /* The input type for @value: whether @type expands to @json. */
    for (size_t i = 0; i < n; i++) {
        const char *ek;
        RN_GUARD(rc, expand_iri(s, a, keys[i], true, NULL, &ek));
        if (ek && strcmp(ek, "@type") == 0) {
            json_t *tv = json_object_get(elem, keys[i]);
            const char *tx = NULL;
            if (json_is_string(tv))
                RN_GUARD(rc, expand_iri(s, type_scoped, json_string_value(tv), true, NULL, &tx));
            json_type = tx && strcmp(tx, "@json") == 0;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const char *key = keys[i];
        json_t *value = json_object_get(elem, key);
        if (strcmp(key, "@context") == 0)
            continue;
        const char *ep;
        RN_GUARD(rc, expand_iri(s, a, key, true, NULL, &ep));
        if (!ep || (!strchr(ep, ':') && !is_keyword(ep)))
            continue;
        json_t *ev = NULL;
        if (is_keyword(ep)) {
            if (json_object_get(result, ep) && strcmp(ep, "@type") != 0) {
                rc = fail(s, RN_EMALFORMED, "colliding keywords: %s", ep);
                goto out;
            }
            if (strcmp(ep, "@id") == 0) {
                if (!json_is_string(value)) {
                    rc = fail(s, RN_EMALFORMED, "invalid @id value (not a string)");
                    goto out;
                }
                const char *iri;
                RN_GUARD(rc, expand_iri(s, a, json_string_value(value), false, NULL, &iri));
                ev = iri ? json_string(iri) : json_null();
            } else if (strcmp(ep, "@type") == 0) {
                ev = json_array();
                size_t m = json_is_array(value) ? json_array_size(value) : 1;
                for (size_t j = 0; j < m && ev; j++) {
                    json_t *tv = json_is_array(value) ? json_array_get(value, j) : value;
                    if (!json_is_string(tv)) {
                        json_decref(ev);
                        rc = fail(s, RN_EMALFORMED, "invalid type value (not a string)");
                        goto out;
                    }
                    const char *iri;
                    if ((rc = expand_iri(s, type_scoped, json_string_value(tv), true, NULL, &iri)) <
                        0) {
                        json_decref(ev);
                        goto out;
                    }
                    if (iri)
                        json_array_append_new(ev, json_string(iri));
                }
                if (ev && !json_is_array(value) && json_array_size(ev) == 1) {
                    json_t *one = json_incref(json_array_get(ev, 0));
                    json_decref(ev);
                    ev = one;
                }
                if (ev && json_object_get(result, "@type")) {
                    json_t *merged = as_array(json_incref(json_object_get(result, "@type")));
                    json_t *add = as_array(ev);
                    json_array_extend(merged, add);
                    json_decref(add);
                    ev = merged;
                }
            } else if (strcmp(ep, "@graph") == 0) {
                RN_GUARD(rc, expand(s, a, "@graph", value, false, &ev));
                ev = as_array(ev);
            } else if (strcmp(ep, "@value") == 0) {
                if (!json_type && (json_is_object(value) || json_is_array(value))) {
                    rc = fail(s, RN_EMALFORMED, "invalid value object value");
                    goto out;
                }
                ev = json_incref(value);
            } else if (strcmp(ep, "@language") == 0) {
                if (!json_is_string(value)) {
                    rc = fail(s, RN_EMALFORMED, "invalid language-tagged string");
                    goto out;
                }
                ev = json_incref(value);
            } else if (strcmp(ep, "@index") == 0) {
                if (!json_is_string(value)) {
                    rc = fail(s, RN_EMALFORMED, "invalid @index value");
                    goto out;
                }
                ev = json_incref(value);
            } else if (strcmp(ep, "@list") == 0) {
                if (!prop || strcmp(prop, "@graph") == 0)
                    continue;
                RN_GUARD(rc, expand(s, a, prop, value, false, &ev));
                ev = as_array(ev);
            } else if (strcmp(ep, "@set") == 0) {
                RN_GUARD(rc, expand(s, a, prop, value, false, &ev));
            } else {
                rc = fail(s, RN_EINVAL, "%s is not supported", ep);
                goto out;
            }
            if (!ev) {
                rc = RN_ENOMEM;
                goto out;
            }
            json_object_set_new(result, ep, ev);
            continue;
        }
        const term_def *t = lookup(a, key);
        if (t && t->type && strcmp(t->type, "@json") == 0) {
            ev = json_pack("{s:O,s:s}", "@value", value, "@type", "@json");
        } else {
            RN_GUARD(rc, expand(s, a, key, value, false, &ev));
        }
        if (!ev || json_is_null(ev)) {
            json_decref(ev);
            continue;
        }
        unsigned container = t ? t->container : 0;
        if ((container & C_LIST) && !(json_is_object(ev) && json_object_get(ev, "@list")))
            ev = json_pack("{s:o}", "@list", as_array(ev));
        if (container & C_GRAPH) {
            json_t *arr = as_array(ev), *g = json_array();
            for (size_t j = 0; g && j < json_array_size(arr); j++)
                json_array_append_new(
                    g, json_pack("{s:o}", "@graph", as_array(json_incref(json_array_get(arr, j)))));
            json_decref(arr);
            ev = g;
        }
        if (!ev) {
            rc = RN_ENOMEM;
            goto out;
        }
        RN_GUARD(rc, add_value(result, ep, ev));
    }
out:
    free(keys);
    return rc;
}

/* Expansion (5.1.2). *out is a new reference, or NULL (dropped). */
static int expand(st *s, const actx *a, const char *prop, json_t *elem, bool from_map, json_t **out)
{
    *out = NULL;
    if (json_is_null(elem))
        return 0;
    if (++s->depth > CRED_JSONLD_DEPTH_MAX)
        return fail(s, RN_ETOOBIG, "JSON-LD document nested too deeply");
    int rc = 0;
    const term_def *pt = prop ? lookup(a, prop) : NULL;
    json_t *result = NULL;
    if (!json_is_object(elem) && !json_is_array(elem)) {
        if (!prop || strcmp(prop, "@graph") == 0)
            goto out;
        if (pt && pt->has_ctx)
            RN_GUARD(rc, process_context(s, a, pt->ctx, true, true, 0, &a));
        RN_GUARD(rc, expand_value(s, a, prop, elem, &result));
        goto out;
    }
    if (json_is_array(elem)) {
        result = json_array();
        for (size_t i = 0; result && i < json_array_size(elem); i++) {
            json_t *e;
            RN_GUARD(rc, expand(s, a, prop, json_array_get(elem, i), from_map, &e));
            if (e && pt && (pt->container & C_LIST) && json_is_array(e))
                e = json_pack("{s:o}", "@list", e);
            if (json_is_array(e)) {
                json_array_extend(result, e);
                json_decref(e);
            } else if (e) {
                json_array_append_new(result, e);
            }
        }
        if (!result)
            rc = RN_ENOMEM;
        goto out;
    }
    /* Step 7: a type-scoped context does not reach nested nodes. */
    if (a->previous && !from_map) {
        bool revert = true;
        const char *k;
        json_t *v;
        json_object_foreach(elem, k, v)
        {
            const char *ek;
            RN_GUARD(rc, expand_iri(s, a, k, true, NULL, &ek));
            if (ek && strcmp(ek, "@value") == 0)
                revert = false;
            if (ek && strcmp(ek, "@id") == 0 && json_object_size(elem) == 1)
                revert = false;
        }
        if (revert)
            a = a->previous;
    }
    if (pt && pt->has_ctx)
        RN_GUARD(rc, process_context(s, a, pt->ctx, true, true, 0, &a));
    json_t *lc = json_object_get(elem, "@context");
    if (lc)
        RN_GUARD(rc, process_document_context(s, a, lc, &a));
    const actx *type_scoped = a;
    {
        const char **keys;
        size_t n;
        RN_GUARD(rc, sorted_keys(elem, &keys, &n));
        for (size_t i = 0; i < n && rc == 0; i++) {
            const char *ek;
            if ((rc = expand_iri(s, a, keys[i], true, NULL, &ek)) < 0 || !ek ||
                strcmp(ek, "@type") != 0)
                continue;
            json_t *tv = json_object_get(elem, keys[i]);
            json_t *terms = json_is_array(tv) ? json_copy(tv) : json_pack("[O]", tv);
            if (!terms) {
                rc = RN_ENOMEM;
                break;
            }
            /* Lexicographic order of the type terms. */
            size_t m = json_array_size(terms);
            for (size_t x = 1; x < m; x++)
                for (size_t y = x; y > 0; y--) {
                    const char *p = json_string_value(json_array_get(terms, y - 1));
                    const char *q = json_string_value(json_array_get(terms, y));
                    if (!p || !q || strcmp(p, q) <= 0)
                        break;
                    json_t *tmp = json_incref(json_array_get(terms, y));
                    json_array_set(terms, y, json_array_get(terms, y - 1));
                    json_array_set_new(terms, y - 1, tmp);
                }
            for (size_t j = 0; j < m && rc == 0; j++) {
                const char *term = json_string_value(json_array_get(terms, j));
                const term_def *td = term ? lookup(type_scoped, term) : NULL;
                if (td && td->has_ctx)
                    rc = process_context(s, a, td->ctx, false, false, 0, &a);
            }
            json_decref(terms);
        }
        free(keys);
        if (rc < 0)
            goto out;
    }
    result = json_object();
    if (!result) {
        rc = RN_ENOMEM;
        goto out;
    }
    RN_GUARD(rc, expand_object(s, a, type_scoped, prop, elem, result));
    /* Step 15-19: value objects, @type as an array, @set and @list, free-floating values. */
    json_t *val = json_object_get(result, "@value");
    if (val) {
        const char *k;
        json_t *v;
        json_object_foreach(result, k, v)
        {
            if (strcmp(k, "@value") && strcmp(k, "@language") && strcmp(k, "@type") &&
                strcmp(k, "@index")) {
                rc = fail(s, RN_EMALFORMED, "invalid value object: %s", k);
                goto out;
            }
        }
        json_t *ty = json_object_get(result, "@type");
        if (json_object_get(result, "@language") && ty) {
            rc = fail(s, RN_EMALFORMED, "invalid value object: @type with @language");
            goto out;
        }
        if (ty && !(json_is_string(ty) && (strcmp(json_string_value(ty), "@json") == 0 ||
                                           iri_ok(json_string_value(ty))))) {
            rc = fail(s, RN_EMALFORMED, "invalid typed value");
            goto out;
        }
        bool is_json = ty && strcmp(json_string_value(ty), "@json") == 0;
        if (json_is_null(val) && !is_json) {
            json_decref(result);
            result = NULL;
            goto out;
        }
        if (json_object_get(result, "@language") && !json_is_string(val)) {
            rc = fail(s, RN_EMALFORMED, "invalid language-tagged value");
            goto out;
        }
    } else {
        json_t *ty = json_object_get(result, "@type");
        if (ty && !json_is_array(ty))
            json_object_set_new(result, "@type", json_pack("[O]", ty));
        json_t *set = json_object_get(result, "@set");
        json_t *list = json_object_get(result, "@list");
        if (set || list) {
            size_t extra = json_object_size(result) - 1 - (json_object_get(result, "@index") != 0);
            if (extra) {
                rc = fail(s, RN_EMALFORMED, "invalid set or list object");
                goto out;
            }
            if (set) {
                json_t *inner = json_incref(set);
                json_decref(result);
                result = inner;
            }
        } else if (json_object_size(result) == 1 && json_object_get(result, "@language")) {
            json_decref(result);
            result = NULL;
            goto out;
        }
    }
    if (result && json_is_object(result) && (!prop || strcmp(prop, "@graph") == 0)) {
        size_t sz = json_object_size(result);
        if (sz == 0 || json_object_get(result, "@value") || json_object_get(result, "@list") ||
            (sz == 1 && json_object_get(result, "@id"))) {
            json_decref(result);
            result = NULL;
        }
    }
out:
    s->depth--;
    if (rc < 0) {
        json_decref(result);
        return rc;
    }
    *out = result;
    return 0;
}

/* ---- to RDF (8.1 and 8.3-8.5, on the expanded form) ---- */

int cred_jsonld_double(double d, char buf[32])
{
    if (!isfinite(d))
        return RN_EINVAL;
    char tmp[40];
    snprintf(tmp, sizeof(tmp), "%.15e", d);
    char *e = strchr(tmp, 'e');
    RN_ASSERT(e);
    long ex = strtol(e + 1, NULL, 10);
    char *end = e;
    while (end > tmp + 2 && end[-1] == '0' && end[-2] != '.')
        end--;
    *end = '\0';
    snprintf(buf, 32, "%.22sE%ld", tmp, ex);
    return 0;
}

static int new_bnode(st *s, cred_term *t, char lab[32])
{
    snprintf(lab, 32, "b%lu", s->next_bnode++);
    t->kind = CRED_TERM_BNODE;
    t->value = lab;
    return 0;
}

/* The term of an @id value: an IRI, a blank node (relabelled), or kind NONE when relative. */
static int id_term(st *s, const char *id, cred_term *t, char lab[32])
{
    memset(t, 0, sizeof(*t));
    if (strncmp(id, "_:", 2) == 0) {
        json_t *m = json_object_get(s->bnodes, id);
        if (!m) {
            RN_TRY(new_bnode(s, t, lab));
            json_object_set_new(s->bnodes, id, json_string(lab));
            return 0;
        }
        t->kind = CRED_TERM_BNODE;
        snprintf(lab, 32, "%s", json_string_value(m));
        t->value = lab;
        return 0;
    }
    if (iri_ok(id)) {
        t->kind = CRED_TERM_IRI;
        t->value = (char *)id;
    }
    return 0;
}

static int emit(st *s, const cred_term *sub, const char *pred, const cred_term *obj,
                const cred_term *g)
{
    if (sub->kind == CRED_TERM_NONE || obj->kind == CRED_TERM_NONE)
        return 0;
    cred_term p = { CRED_TERM_IRI, (char *)pred, NULL, NULL };
    int rc = cred_dataset_add(s->out, sub, &p, obj, g && g->kind != CRED_TERM_NONE ? g : NULL);
    if (rc == RN_ETOOBIG)
        return fail(s, rc, "JSON-LD document has more quads than allowed");
    return rc;
}

static int node_to_rdf(st *s, json_t *node, const cred_term *g, cred_term *subj, char lab[32]);

/* Object to RDF (8.4) and List Conversion (8.5): *o is the object term (kind NONE when the
 * item yields no object). */
static int object_to_rdf(st *s, json_t *item, const cred_term *g, cred_term *o, char lab[32],
                         cred_buf *lit)
{
    memset(o, 0, sizeof(*o));
    json_t *val = json_object_get(item, "@value");
    json_t *list = json_object_get(item, "@list");
    if (list) {
        size_t n = json_array_size(list);
        if (n == 0) {
            o->kind = CRED_TERM_IRI;
            o->value = RDF_NS "nil";
            return 0;
        }
        char head[32], cur[32], next[32];
        cred_term h, c, nx;
        memset(&h, 0, sizeof(h));
        memset(&nx, 0, sizeof(nx));
        RN_TRY(new_bnode(s, &h, head));
        memcpy(cur, head, sizeof(cur));
        c = h;
        c.value = cur;
        for (size_t i = 0; i < n; i++) {
            cred_term io;
            char ilab[32];
            cred_buf ib;
            cred_buf_init(&ib, CRED_NQ_TERM_BYTES_MAX);
            int rc = object_to_rdf(s, json_array_get(list, i), g, &io, ilab, &ib);
            if (rc == 0)
                rc = emit(s, &c, RDF_NS "first", &io, g);
            cred_buf_free(&ib);
            RN_TRY(rc);
            if (i + 1 < n) {
                RN_TRY(new_bnode(s, &nx, next));
            } else {
                nx.kind = CRED_TERM_IRI;
                nx.value = RDF_NS "nil";
            }
            RN_TRY(emit(s, &c, RDF_NS "rest", &nx, g));
            if (i + 1 < n) {
                memcpy(cur, next, sizeof(cur));
                c.kind = CRED_TERM_BNODE;
                c.value = cur;
            }
        }
        memcpy(lab, head, 32);
        o->kind = CRED_TERM_BNODE;
        o->value = lab;
        return 0;
    }
    if (!val)
        return node_to_rdf(s, item, g, o, lab);
    json_t *ty = json_object_get(item, "@type");
    json_t *lang = json_object_get(item, "@language");
    const char *dt = json_string_value(ty);
    char num[40];
    const char *lex = NULL;
    if (dt && strcmp(dt, "@json") == 0) {
        RN_TRY(cred_jcs_write(val, lit));
        lex = lit->data ? lit->data : "";
        dt = RDF_NS "JSON";
    } else if (json_is_boolean(val)) {
        lex = json_is_true(val) ? "true" : "false";
        if (!dt)
            dt = XSD_NS "boolean";
    } else if (json_is_number(val)) {
        double d = json_number_value(val);
        bool is_double_type = dt && strcmp(dt, XSD_NS "double") == 0;
        if (json_is_integer(val) && !is_double_type) {
            snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(val));
            if (!dt)
                dt = XSD_NS "integer";
        } else if (!is_double_type && fmod(d, 1.0) == 0 && fabs(d) < 1e21) {
            snprintf(num, sizeof(num), "%.0f", d);
            if (strcmp(num, "-0") == 0)
                memcpy(num, "0", 2);
            if (!dt)
                dt = XSD_NS "integer";
        } else {
            if (cred_jsonld_double(d, num) < 0)
                return fail(s, RN_EMALFORMED, "number is not finite");
            if (!dt)
                dt = XSD_NS "double";
        }
        /* Into the caller's buffer: num does not outlive this call. */
        RN_TRY(cred_buf_adds(lit, num));
        lex = lit->data;
    } else if (json_is_string(val)) {
        lex = json_string_value(val);
    } else {
        return fail(s, RN_EMALFORMED, "invalid value object value");
    }
    if (dt && !iri_ok(dt))
        return 0; /* a relative datatype: no triple */
    o->kind = CRED_TERM_LITERAL;
    o->value = (char *)lex;
    if (lang && json_is_string(val)) {
        o->lang = (char *)json_string_value(lang);
        /* A language tag that is not well-formed yields no triple (8.4, step 14). */
        const char *p = o->lang;
        size_t part = 0;
        for (; *p; p++) {
            if (isalnum((unsigned char)*p))
                part++;
            else if (*p == '-' && part)
                part = 0;
            else
                break;
        }
        if (*p || !part) {
            o->kind = CRED_TERM_NONE;
            return 0;
        }
    } else {
        o->datatype = (char *)dt;
    }
    return 0;
}

static int node_to_rdf(st *s, json_t *node, const cred_term *g, cred_term *subj, char lab[32])
{
    if (++s->depth > CRED_JSONLD_DEPTH_MAX)
        return fail(s, RN_ETOOBIG, "JSON-LD document nested too deeply");
    int rc = 0;
    json_t *id = json_object_get(node, "@id");
    if (json_is_string(id)) {
        RN_GUARD(rc, id_term(s, json_string_value(id), subj, lab));
    } else {
        memset(subj, 0, sizeof(*subj));
        RN_GUARD(rc, new_bnode(s, subj, lab));
    }
    const char *k;
    json_t *v;
    json_object_foreach(node, k, v)
    {
        if (strcmp(k, "@type") == 0) {
            for (size_t i = 0; i < json_array_size(v); i++) {
                cred_term t;
                char tl[32];
                const char *tv = json_string_value(json_array_get(v, i));
                if (!tv)
                    continue;
                RN_GUARD(rc, id_term(s, tv, &t, tl));
                RN_GUARD(rc, emit(s, subj, RDF_NS "type", &t, g));
            }
            continue;
        }
        if (strcmp(k, "@graph") == 0) {
            /* The node names a graph: its contents go there, unless the name is not a
             * well-formed IRI (8.1: such a graph yields no quads). */
            for (size_t i = 0; subj->kind != CRED_TERM_NONE && i < json_array_size(v); i++) {
                json_t *item = json_array_get(v, i);
                if (json_object_get(item, "@value") || json_object_get(item, "@list"))
                    continue;
                cred_term inner;
                char il[32];
                RN_GUARD(rc, node_to_rdf(s, item, subj, &inner, il));
            }
            continue;
        }
        if (k[0] == '@')
            continue; /* @id, @index: no triples */
        if (!iri_ok(k))
            continue; /* relative or blank node predicates produce no RDF */
        for (size_t i = 0; i < json_array_size(v); i++) {
            cred_term o;
            char ol[32];
            cred_buf lit;
            cred_buf_init(&lit, CRED_NQ_TERM_BYTES_MAX);
            rc = object_to_rdf(s, json_array_get(v, i), g, &o, ol, &lit);
            if (rc == 0)
                rc = emit(s, subj, k, &o, g);
            cred_buf_free(&lit);
            if (rc < 0)
                goto out;
        }
    }
out:
    s->depth--;
    return rc;
}

int cred_jsonld_to_rdf(const json_t *doc, cred_dataset *out, char *err, size_t errlen)
{
    st s;
    memset(&s, 0, sizeof(s));
    s.err = err;
    s.errlen = errlen;
    if (err && errlen)
        err[0] = '\0';
    s.out = out;
    s.bnodes = json_object();
    int rc = 0;
    json_t *expanded = NULL;
    actx *empty = alloc(&s, sizeof(actx));
    if (!s.bnodes || !empty) {
        rc = RN_ENOMEM;
        goto out;
    }
    empty->t = alloc(&s, sizeof(term_def *));
    if (!empty->t) {
        rc = RN_ENOMEM;
        goto out;
    }
    if (!json_is_object(doc) && !json_is_array(doc)) {
        rc = fail(&s, RN_EMALFORMED, "a JSON-LD document is an object or an array");
        goto out;
    }
    RN_GUARD(rc, expand(&s, empty, NULL, (json_t *)doc, false, &expanded));
    if (json_is_object(expanded) && json_object_size(expanded) == 1 &&
        json_object_get(expanded, "@graph")) {
        json_t *g = json_incref(json_object_get(expanded, "@graph"));
        json_decref(expanded);
        expanded = g;
    }
    expanded = as_array(expanded);
    if (!expanded) {
        rc = RN_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < json_array_size(expanded); i++) {
        json_t *node = json_array_get(expanded, i);
        if (!json_is_object(node) || json_object_get(node, "@value") ||
            json_object_get(node, "@list"))
            continue;
        cred_term subj;
        char lab[32];
        RN_GUARD(rc, node_to_rdf(&s, node, NULL, &subj, lab));
    }
out:
    json_decref(expanded);
    json_decref(s.bnodes);
    while (s.arena) {
        chunk *c = s.arena;
        s.arena = c->next;
        free(c);
    }
    if (rc < 0 && err && errlen && !err[0])
        snprintf(err, errlen, "%s", rn_strerror(rc));
    return rc;
}
