/*
 * export.c: a spec and its provider as an Open Badges 3.0 Achievement or an ELM v3
 * LearningAchievementSpecification (export.h).
 *
 * Each form is written by one function, property by property in the order api/README.md's
 * table lists them, from the values the importer (api/import.c) reads back: an Annex I value
 * by its vocabulary name (OB 3.0's Dutch extension terms, ELM concept labels that the
 * importer's label tables map to the same value), codes by the EU's URIs, ECTS as a decimal
 * number. Strings are copied into jansson, which escapes them when printed; every list is
 * bounded by the record's own limits (limits.h), so a document is at most a few megabytes.
 */
#include "api/export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/json.h"
#include "api/recjson.h"
#include "proto/codes.h"
#include "proto/entry.h"
#include "proto/limits.h"

/* The URIs of the EU vocabularies the ELM form names (as the Commission's sample does). */
#define URI_ECTS           "http://data.europa.eu/snb/education-credit/6fcec5c5af"
#define URI_ECTS_SCHEME    "http://data.europa.eu/snb/education-credit/25831c2"
#define URI_EQF_SCHEME     "http://data.europa.eu/snb/eqf/25831c2"
#define URI_ISCED_SCHEME   "http://data.europa.eu/snb/isced-f/25831c2"
#define URI_LANGUAGE       "http://publications.europa.eu/resource/authority/language/"
#define URI_COUNTRY_SCHEME "http://publications.europa.eu/resource/authority/country"
#define URI_ESCO           "http://data.europa.eu/esco/"
#define URI_ESCO_SCHEME    "http://data.europa.eu/esco/concept-scheme/skills"
#define URI_MODE_SCHEME    "http://data.europa.eu/snb/learning-assessment/25831c2"

/* ISO 639-1 onto the EU authority table of languages: the inverse of the importer's table
 * (api/import.c), the languages of the 30 countries and their neighbours. A language outside it
 * has no EU URI and is left out of the ELM form (api/README.md). */
static const char *const languages[][2] = {
    { "bg", "BUL" }, { "ca", "CAT" }, { "cs", "CES" }, { "da", "DAN" }, { "de", "DEU" },
    { "el", "ELL" }, { "en", "ENG" }, { "et", "EST" }, { "eu", "EUS" }, { "fi", "FIN" },
    { "fr", "FRA" }, { "ga", "GLE" }, { "gl", "GLG" }, { "hr", "HRV" }, { "hu", "HUN" },
    { "is", "ISL" }, { "it", "ITA" }, { "lv", "LAV" }, { "lt", "LIT" }, { "lb", "LTZ" },
    { "mt", "MLT" }, { "nl", "NLD" }, { "nb", "NOB" }, { "nn", "NNO" }, { "no", "NOR" },
    { "pl", "POL" }, { "pt", "POR" }, { "ro", "RON" }, { "sk", "SLK" }, { "sl", "SLV" },
    { "es", "SPA" }, { "sv", "SWE" },
};

/* The ELM learning-mode concepts of the participation values that have one (the Commission's
 * sample: "Online", "Blended"); the others are written as a concept with a label alone, which
 * the importer's label table reads. */
static const struct {
    const char *value, *label, *uri;
} modes[] = {
    { "online", "Online", "http://data.europa.eu/snb/learning-assessment/920fbb3cbe" },
    { "onsite or blended", "Blended", "http://data.europa.eu/snb/learning-assessment/e92d221e4d" },
};

int api_export_form_parse(const char *name, api_export_form *f)
{
    if (strcmp(name, "ob3") == 0)
        *f = API_EXPORT_OB3;
    else if (strcmp(name, "elm") == 0)
        *f = API_EXPORT_ELM;
    else
        return RN_EINVAL;
    return 0;
}

/* ---- Building blocks. A failed allocation leaves a NULL that json_object_set_new refuses;
 * the builders latch it in `b->oom` and the caller returns RN_ENOMEM. ---- */

typedef struct builder {
    bool oom;
} builder;

/* A proto_str as a JSON string (jansson copies it), or NULL when absent. */
static json_t *jstr(builder *b, proto_str s)
{
    json_t *v = json_stringn((const char *)s.ptr, s.len);
    if (v == NULL)
        b->oom = true;
    return v;
}

static json_t *jcstr(builder *b, const char *s)
{
    json_t *v = json_string(s);
    if (v == NULL)
        b->oom = true;
    return v;
}

static void put(builder *b, json_t *o, const char *key, json_t *v)
{
    if (v == NULL || o == NULL || json_object_set_new(o, key, v) != 0)
        b->oom = true;
}

static void add(builder *b, json_t *a, json_t *v)
{
    if (v == NULL || a == NULL || json_array_append_new(a, v) != 0)
        b->oom = true;
}

static json_t *obj(builder *b)
{
    json_t *o = json_object();
    if (o == NULL)
        b->oom = true;
    return o;
}

static json_t *arr(builder *b)
{
    json_t *a = json_array();
    if (a == NULL)
        b->oom = true;
    return a;
}

/* {"type": t} */
static json_t *typed(builder *b, const char *t)
{
    json_t *o = obj(b);
    put(b, o, "type", jcstr(b, t));
    return o;
}

/* {"type": [t]} (Open Badges writes its types as lists) */
static json_t *typed_list(builder *b, const char *t)
{
    json_t *o = obj(b), *a = arr(b);
    add(b, a, jcstr(b, t));
    put(b, o, "type", a);
    return o;
}

/* "<prefix><s>" as a JSON string. */
static json_t *jcat(builder *b, const char *prefix, proto_str s, const char *suffix)
{
    size_t n = strlen(prefix) + s.len + strlen(suffix);
    char *t = malloc(n + 1);
    if (t == NULL) {
        b->oom = true;
        return NULL;
    }
    memcpy(t, prefix, strlen(prefix));
    memcpy(t + strlen(prefix), s.ptr, s.len);
    memcpy(t + strlen(prefix) + s.len, suffix, strlen(suffix) + 1);
    json_t *v = json_stringn(t, n);
    free(t);
    if (v == NULL)
        b->oom = true;
    return v;
}

static bool str_is(proto_str s, const char *c)
{
    return s.len == strlen(c) && memcmp(s.ptr, c, s.len) == 0;
}

/* A time as xsd:dateTime: "2024-09-01T00:00:00Z", with ".123" when there are milliseconds. */
static json_t *jtime(builder *b, uint64_t ms)
{
    char t[40];
    time_t secs = (time_t)(ms / 1000u);
    struct tm tm;
    if (gmtime_r(&secs, &tm) == NULL) {
        b->oom = true;
        return NULL;
    }
    size_t n = strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
    if (ms % 1000u != 0)
        snprintf(t + n, sizeof(t) - n, ".%03uZ", (unsigned)(ms % 1000u));
    else
        snprintf(t + n, sizeof(t) - n, "Z");
    return jcstr(b, t);
}

/* The id of the exported document: the spec's first source id (the achievement or
 * specification it was imported from, so that badges bound to that id still find it), else
 * the spec's URN. */
static json_t *spec_uri(builder *b, const proto_spec *s)
{
    if (s->source_ids_n > 0)
        return jstr(b, s->source_ids[0]);
    return jcat(b, API_EXPORT_SPEC_URN, s->id, "");
}

/* The language a spec speaks first: its first language when its title has it, else English
 * when the title has it, else the title's first language. The OB 3.0 name and the ELM texts
 * without a language of their own are in it. */
static uint32_t title_main(const proto_spec *s)
{
    uint32_t en = UINT32_MAX;
    for (uint32_t i = 0; i < s->title_n; i++) {
        if (proto_str_eq(s->title[i].lang, s->languages[0]))
            return i;
        if (str_is(s->title[i].lang, "en"))
            en = i;
    }
    return en != UINT32_MAX ? en : 0;
}

/* {lang: text} of one text. */
static json_t *lang_map1(builder *b, proto_str lang, proto_str text)
{
    json_t *m = obj(b);
    char l[3] = { (char)lang.ptr[0], (char)lang.ptr[1], '\0' };
    put(b, m, l, jstr(b, text));
    return m;
}

/* ---- Open Badges 3.0 ---- */

/* The creator: the provider as an OB 3.0 Profile. */
static json_t *ob3_profile(builder *b, const proto_provider *p)
{
    json_t *o = typed_list(b, "Profile");
    put(b, o, "id", jcat(b, API_EXPORT_PROVIDER_URN, p->id, ""));
    put(b, o, "name", jstr(b, p->legal_name));
    if (p->url.len > 0)
        put(b, o, "url", jstr(b, p->url));
    const proto_country *c = proto_country_find((const char *)p->country.ptr, p->country.len);
    json_t *addr = typed_list(b, "Address");
    put(b, addr, "addressCountryCode", jstr(b, p->country));
    if (c != NULL)
        put(b, addr, "addressCountry", jcstr(b, c->name));
    put(b, o, "address", addr);
    if (p->registration_number.len > 0) {
        /* The Dutch institution code (BRIN) is what the Dutch samples carry as ext:BRIN; any
         * other country's registration number is an identifier without a type of its own. */
        json_t *ids = arr(b), *e = typed_list(b, "IdentifierEntry");
        put(b, e, "identifier", jstr(b, p->registration_number));
        put(b, e, "identifierType", jcstr(b, str_is(p->country, "NL") ? "ext:BRIN" : "identifier"));
        add(b, ids, e);
        put(b, o, "otherIdentifier", ids);
    }
    return o;
}

static json_t *alignment(builder *b, const char *type, const char *name, json_t *url,
                         const char *code, const char *framework)
{
    json_t *a = typed_list(b, "Alignment");
    put(b, a, "targetType", jcstr(b, type));
    put(b, a, "targetName", jcstr(b, name));
    put(b, a, "targetUrl", url);
    if (code != NULL)
        put(b, a, "targetCode", jcstr(b, code));
    if (framework != NULL)
        put(b, a, "targetFramework", jcstr(b, framework));
    return a;
}

/* "<document id>#frag": a URL for an alignment or result description that has no public
 * document of its own. */
static json_t *sub_uri(builder *b, const proto_spec *s, const char *frag)
{
    if (s->source_ids_n > 0)
        return jcat(b, "", s->source_ids[0], frag);
    return jcat(b, API_EXPORT_SPEC_URN, s->id, frag);
}

/* The criteria: the outcomes, one as its text, several as a Markdown list (the narrative is
 * Markdown in OB 3.0). */
static json_t *ob3_narrative(builder *b, const proto_spec *s)
{
    size_t n = 0;
    for (uint32_t i = 0; i < s->outcomes_n; i++)
        n += s->outcomes[i].text.len + 3;
    char *t = malloc(n + 1), *w = t;
    if (t == NULL) {
        b->oom = true;
        return NULL;
    }
    for (uint32_t i = 0; i < s->outcomes_n; i++) {
        if (s->outcomes_n > 1) {
            if (i > 0)
                *w++ = '\n';
            memcpy(w, "- ", 2);
            w += 2;
        }
        memcpy(w, s->outcomes[i].text.ptr, s->outcomes[i].text.len);
        w += s->outcomes[i].text.len;
    }
    json_t *v = json_stringn(t, (size_t)(w - t));
    free(t);
    if (v == NULL)
        b->oom = true;
    return v;
}

/* The grading scheme as a result description. The form the importer writes from one ("Final
 * Project Grade: 1 to 10, pass mark 6") is read back into its name and scale; any other text
 * is the description's name. */
static json_t *ob3_result(builder *b, const proto_spec *s)
{
    json_t *r = typed_list(b, "ResultDescription");
    put(b, r, "id", sub_uri(b, s, "#grading"));
    char g[RN_TEXT_BYTES_MAX + 1];
    snprintf(g, sizeof(g), "%.*s", (int)s->grading.len, (const char *)s->grading.ptr);
    char *scale = strstr(g, ": "), *to = NULL, *pass = NULL;
    if (scale != NULL) {
        to = strstr(scale + 2, " to ");
        pass = to != NULL ? strstr(to + 4, ", pass mark ") : NULL;
    }
    bool parsed = scale != NULL && scale > g && to != NULL && to > scale + 2 && to[4] != '\0' &&
                  strncmp(to + 4, ", pass mark ", 12) != 0 && (pass == NULL || pass[12] != '\0');
    if (parsed) {
        *scale = '\0';
        *to = '\0';
        if (pass != NULL) {
            *pass = '\0';
            put(b, r, "requiredValue", jcstr(b, pass + 12));
        }
        put(b, r, "name", jcstr(b, g));
        put(b, r, "valueMin", jcstr(b, scale + 2));
        put(b, r, "valueMax", jcstr(b, to + 4));
    } else {
        put(b, r, "name", jstr(b, s->grading));
    }
    put(b, r, "resultType", jcstr(b, "Result"));
    json_t *a = arr(b);
    add(b, a, r);
    return a;
}

static json_t *ob3_context(builder *b)
{
    json_t *ctx = arr(b), *ext = obj(b);
    static const char *const terms[][2] = {
        { "ECTS", "ects" },
        { "assessmentType", "assessmentType" },
        { "participationType", "participationType" },
        { "supervisionType", "supervisionType" },
    };
    add(b, ctx, jcstr(b, API_EXPORT_OB3_CONTEXT));
    for (size_t i = 0; i < sizeof(terms) / sizeof(terms[0]); i++) {
        char iri[128];
        snprintf(iri, sizeof(iri), "%s%s", API_EXPORT_EDU_VOCAB, terms[i][1]);
        put(b, ext, terms[i][0], jcstr(b, iri));
    }
    add(b, ctx, ext);
    return ctx;
}

static void export_ob3(builder *b, const proto_spec *s, const proto_provider *p, json_t *d)
{
    uint32_t main = title_main(s);
    char lang[3] = { (char)s->title[main].lang.ptr[0], (char)s->title[main].lang.ptr[1], '\0' };

    put(b, d, "@context", ob3_context(b));
    put(b, d, "id", spec_uri(b, s));
    json_t *ty = arr(b);
    add(b, ty, jcstr(b, "Achievement"));
    put(b, d, "type", ty);
    put(b, d, "achievementType", jcstr(b, "MicroCredential"));
    put(b, d, "name", jstr(b, s->title[main].text));
    put(b, d, "inLanguage", jcstr(b, lang));
    put(b, d, "humanCode", jstr(b, s->id));

    /* The description OB 3.0 requires: the Annex I summary a reader sees first. */
    char ects[16], desc[RN_NAME_BYTES_MAX + 256];
    rec_ects_format(s->ects_centi, ects);
    const char *isced = proto_codes_isced_label((const char *)s->isced.ptr, s->isced.len);
    int dn = snprintf(desc, sizeof(desc), "A micro-credential of %s ECTS", ects);
    if (s->eqf != 0 && dn > 0 && (size_t)dn < sizeof(desc))
        dn += snprintf(desc + dn, sizeof(desc) - (size_t)dn, " at EQF level %u", s->eqf);
    RN_ASSERT(dn > 0 && (size_t)dn < sizeof(desc) / 2);
    snprintf(desc + dn, sizeof(desc) - (size_t)dn, " in %s (ISCED-F %.*s), awarded by %.*s.",
             isced != NULL ? isced : "a field", (int)s->isced.len, (const char *)s->isced.ptr,
             (int)(p->legal_name.len < 256u ? p->legal_name.len : 256u),
             (const char *)p->legal_name.ptr);
    put(b, d, "description", jcstr(b, desc));

    json_t *crit = obj(b);
    put(b, crit, "narrative", ob3_narrative(b, s));
    put(b, d, "criteria", crit);
    put(b, d, "creator", ob3_profile(b, p));

    json_t *al = arr(b);
    if (s->eqf != 0) {
        char code[2] = { (char)('0' + s->eqf), '\0' };
        char url[64];
        snprintf(url, sizeof(url), "%s%u", PROTO_URI_EQF, s->eqf);
        add(b, al,
            alignment(b, "ext:EQF", proto_codes_eqf_label(s->eqf), jcstr(b, url), code,
                      "European Qualifications Framework"));
    }
    {
        char url[64], code[PROTO_ISCED_BYTES_MAX + 1];
        snprintf(code, sizeof(code), "%.*s", (int)s->isced.len, (const char *)s->isced.ptr);
        snprintf(url, sizeof(url), "%s%s", PROTO_URI_ISCED, code);
        add(b, al,
            alignment(b, "ext:ISCED", isced != NULL ? isced : code, jcstr(b, url), code,
                      "ISCED-F 2013"));
    }
    if (s->nqf.len > 0) {
        char name[RN_NAME_BYTES_MAX + 1];
        snprintf(name, sizeof(name), "%.*s", (int)s->nqf.len, (const char *)s->nqf.ptr);
        add(b, al, alignment(b, "ext:NQF", name, sub_uri(b, s, "#nqf"), NULL, NULL));
    }
    const char *qa = proto_codes_vocab_name(PROTO_VOCAB_QA, s->qa_type);
    if (qa != NULL && strcmp(qa, "external") == 0) {
        char name[RN_NAME_BYTES_MAX + 64];
        snprintf(name, sizeof(name), "external quality assurance%s%.*s",
                 p->qa_body.len > 0 ? " by " : "", (int)p->qa_body.len,
                 (const char *)p->qa_body.ptr);
        add(b, al,
            alignment(b, "ext:QualityAssurance", name,
                      p->url.len > 0 ? jstr(b, p->url) : sub_uri(b, s, "#qa"), NULL, NULL));
    }
    for (uint32_t i = 0; i < s->outcomes_n; i++) {
        for (uint32_t k = 0; k < s->outcomes[i].esco_n; k++) {
            proto_str u = s->outcomes[i].esco[k];
            json_t *a = typed_list(b, "Alignment");
            put(b, a, "targetType", jcstr(b, "ext:ESCO"));
            put(b, a, "targetName", jcat(b, "ESCO ", u, ""));
            put(b, a, "targetUrl", jstr(b, u));
            put(b, a, "targetFramework", jcstr(b, "ESCO"));
            add(b, al, a);
        }
    }
    put(b, d, "alignment", al);
    put(b, d, "fieldOfStudy", jcstr(b, isced != NULL ? isced : "unknown"));
    put(b, d, "creditsAvailable", json_real((double)s->ects_centi / 100.0));
    put(b, d, "ECTS", rec_ects_json(s->ects_centi));
    put(b, d, "assessmentType",
        jcstr(b, proto_codes_vocab_name(PROTO_VOCAB_ASSESSMENT, s->assessment)));
    put(b, d, "participationType",
        jcstr(b, proto_codes_vocab_name(PROTO_VOCAB_PARTICIPATION, s->participation)));
    put(b, d, "supervisionType",
        jcstr(b, proto_codes_vocab_name(PROTO_VOCAB_SUPERVISION, s->supervision)));
    if (s->grading.len > 0)
        put(b, d, "resultDescription", ob3_result(b, s));
}

/* ---- European Learning Model v3 ---- */

/* A concept of an EU vocabulary: {id, type Concept, inScheme, prefLabel {en}}. `uri` may be
 * NULL (a concept known by its label alone). */
static json_t *concept(builder *b, json_t *uri, const char *scheme, const char *label)
{
    json_t *c = obj(b);
    if (uri != NULL)
        put(b, c, "id", uri);
    put(b, c, "type", jcstr(b, "Concept"));
    if (scheme != NULL) {
        json_t *sc = obj(b);
        put(b, sc, "id", jcstr(b, scheme));
        put(b, sc, "type", jcstr(b, "ConceptScheme"));
        put(b, c, "inScheme", sc);
    }
    json_t *l = obj(b);
    put(b, l, "en", jcstr(b, label));
    put(b, c, "prefLabel", l);
    return c;
}

static json_t *country_concept(builder *b, const proto_country *c)
{
    char uri[80];
    snprintf(uri, sizeof(uri), "%s%s", PROTO_URI_COUNTRY, c->alpha3);
    json_t *k = concept(b, jcstr(b, uri), URI_COUNTRY_SCHEME, c->name);
    put(b, k, "notation", jcstr(b, "country"));
    return k;
}

/* A note: {type Note, noteLiteral {lang: text}}. */
static json_t *note(builder *b, proto_str lang, proto_str text)
{
    json_t *n = typed(b, "Note");
    put(b, n, "noteLiteral", lang_map1(b, lang, text));
    return n;
}

static json_t *note_c(builder *b, const char *text)
{
    json_t *n = typed(b, "Note");
    json_t *m = obj(b);
    put(b, m, "en", jcstr(b, text));
    put(b, n, "noteLiteral", m);
    return n;
}

/* The awarding body: the provider as an ELM Organisation, its texts in language `lang`. */
static json_t *elm_org(builder *b, const proto_provider *p, proto_str lang)
{
    json_t *o = obj(b);
    put(b, o, "id", jcat(b, API_EXPORT_PROVIDER_URN, p->id, ""));
    put(b, o, "type", jcstr(b, "Organisation"));
    put(b, o, "legalName", lang_map1(b, lang, p->legal_name));
    const proto_country *c = proto_country_find((const char *)p->country.ptr, p->country.len);
    if (c != NULL) {
        json_t *loc = typed(b, "Location"), *addr = typed(b, "Address");
        put(b, addr, "countryCode", country_concept(b, c));
        put(b, loc, "address", addr);
        put(b, o, "location", loc);
    }
    if (p->registration_number.len > 0) {
        json_t *reg = typed(b, "LegalIdentifier");
        put(b, reg, "notation", jstr(b, p->registration_number));
        if (c != NULL)
            put(b, reg, "spatial", country_concept(b, c));
        put(b, o, "registration", reg);
    }
    if (p->qa_status == PROTO_QA_ACCREDITED) {
        json_t *acc = typed(b, "Accreditation"), *t = obj(b);
        put(b, t, "en", jcstr(b, "Accreditation of the awarding body"));
        put(b, acc, "title", t);
        if (p->qa_body.len > 0) {
            json_t *agent = typed(b, "Organisation");
            put(b, agent, "legalName", lang_map1(b, lang, p->qa_body));
            put(b, acc, "accreditingAgent", agent);
        }
        put(b, o, "accreditation", acc);
    }
    if (p->url.len > 0) {
        json_t *w = typed(b, "WebResource");
        put(b, w, "contentURL", jstr(b, p->url));
        put(b, o, "homepage", w);
    }
    return o;
}

static const char *elm_language(proto_str iso)
{
    for (size_t i = 0; i < sizeof(languages) / sizeof(languages[0]); i++)
        if (str_is(iso, languages[i][0]))
            return languages[i][1];
    return NULL;
}

static json_t *elm_outcome(builder *b, const proto_outcome *o, proto_str lang)
{
    json_t *lo = typed(b, "LearningOutcome"), *t = lang_map1(b, lang, o->text);
    for (uint32_t i = 0; i < o->translations_n; i++) {
        /* The text is in the spec's language: a translation into that language is not kept. */
        if (proto_str_eq(o->translations[i].lang, lang))
            continue;
        char l[3] = { (char)o->translations[i].lang.ptr[0], (char)o->translations[i].lang.ptr[1],
                      '\0' };
        put(b, t, l, jstr(b, o->translations[i].text));
    }
    put(b, lo, "title", t);
    if (o->esco_n > 0) {
        json_t *sk = arr(b);
        for (uint32_t k = 0; k < o->esco_n; k++) {
            char label[RN_URL_BYTES_MAX + 8];
            snprintf(label, sizeof(label), "ESCO %.*s", (int)o->esco[k].len,
                     (const char *)o->esco[k].ptr);
            add(b, sk, concept(b, jstr(b, o->esco[k]), URI_ESCO_SCHEME, label));
        }
        put(b, lo, "relatedESCOSkill", sk);
    }
    return lo;
}

static void export_elm(builder *b, const proto_spec *s, const proto_provider *p, json_t *d)
{
    proto_str lang = s->title[title_main(s)].lang;
    json_t *ctx = arr(b);
    add(b, ctx, jcstr(b, API_EXPORT_ELM_CONTEXT));
    put(b, d, "@context", ctx);
    put(b, d, "id", spec_uri(b, s));
    put(b, d, "type", jcstr(b, "LearningAchievementSpecification"));

    json_t *t = obj(b);
    for (uint32_t i = 0; i < s->title_n; i++) {
        char l[3] = { (char)s->title[i].lang.ptr[0], (char)s->title[i].lang.ptr[1], '\0' };
        put(b, t, l, jstr(b, s->title[i].text));
    }
    put(b, d, "title", t);

    json_t *idf = typed(b, "Identifier");
    put(b, idf, "notation", jstr(b, s->id));
    put(b, idf, "schemeName", jcstr(b, "recnet spec id"));
    put(b, d, "identifier", idf);

    json_t *los = arr(b);
    for (uint32_t i = 0; i < s->outcomes_n; i++)
        add(b, los, elm_outcome(b, &s->outcomes[i], lang));
    put(b, d, "learningOutcome", los);

    char ects[16];
    rec_ects_format(s->ects_centi, ects);
    json_t *cp = typed(b, "CreditPoint");
    put(b, cp, "framework",
        concept(b, jcstr(b, URI_ECTS), URI_ECTS_SCHEME, "European Credit Transfer System"));
    put(b, cp, "point", jcstr(b, ects));
    put(b, d, "creditPoint", cp);

    if (s->eqf != 0) {
        char uri[64], label[16];
        snprintf(uri, sizeof(uri), "%s%u", PROTO_URI_EQF, s->eqf);
        snprintf(label, sizeof(label), "Level %u", s->eqf);
        json_t *lv = arr(b);
        add(b, lv, concept(b, jcstr(b, uri), URI_EQF_SCHEME, label));
        put(b, d, "educationLevel", lv);
    }
    {
        char uri[64], code[PROTO_ISCED_BYTES_MAX + 1];
        snprintf(code, sizeof(code), "%.*s", (int)s->isced.len, (const char *)s->isced.ptr);
        snprintf(uri, sizeof(uri), "%s%s", PROTO_URI_ISCED, code);
        const char *label = proto_codes_isced_label(code, strlen(code));
        json_t *ta = arr(b);
        add(b, ta, concept(b, jcstr(b, uri), URI_ISCED_SCHEME, label != NULL ? label : code));
        put(b, d, "thematicArea", ta);
    }

    json_t *ls = arr(b);
    for (uint32_t i = 0; i < s->languages_n; i++) {
        const char *eu = elm_language(s->languages[i]);
        if (eu == NULL)
            continue;
        char uri[96];
        snprintf(uri, sizeof(uri), "%s%s", URI_LANGUAGE, eu);
        json_t *c = concept(b, jcstr(b, uri),
                            "http://publications.europa.eu/resource/authority/"
                            "language",
                            eu);
        put(b, c, "notation", jcstr(b, "language"));
        add(b, ls, c);
    }
    put(b, d, "language", ls);

    const char *part = proto_codes_vocab_name(PROTO_VOCAB_PARTICIPATION, s->participation);
    const char *mlabel = part, *muri = NULL;
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        if (strcmp(modes[i].value, part) == 0) {
            mlabel = modes[i].label;
            muri = modes[i].uri;
        }
    }
    put(b, d, "mode",
        concept(b, muri != NULL ? jcstr(b, muri) : NULL, muri != NULL ? URI_MODE_SCHEME : NULL,
                mlabel));

    if (s->prerequisites.len > 0)
        put(b, d, "entryRequirement", note(b, lang, s->prerequisites));

    /* The assessment: its type, and the grading scheme. */
    json_t *as = typed(b, "LearningAssessmentSpecification"), *at = obj(b);
    put(b, at, "en", jcstr(b, "Assessment"));
    put(b, as, "title", at);
    put(b, as, "dcType",
        concept(b, NULL, NULL, proto_codes_vocab_name(PROTO_VOCAB_ASSESSMENT, s->assessment)));
    if (s->grading.len > 0) {
        json_t *gs = typed(b, "GradingScheme");
        put(b, gs, "title", lang_map1(b, lang, s->grading));
        put(b, as, "gradingScheme", gs);
    }
    put(b, d, "provenBy", as);

    if (s->url.len > 0) {
        json_t *w = typed(b, "WebResource");
        put(b, w, "contentURL", jstr(b, s->url));
        put(b, d, "homepage", w);
    }
    if (s->part_of_n > 0) {
        json_t *po = arr(b);
        for (uint32_t i = 0; i < s->part_of_n; i++) {
            json_t *r = obj(b);
            put(b, r, "id", jcat(b, API_EXPORT_SPEC_URN, s->part_of[i], ""));
            put(b, r, "type", jcstr(b, "LearningAchievementSpecification"));
            add(b, po, r);
        }
        put(b, d, "isPartOf", po);
    }

    /* The Annex I elements that a specification in ELM has no property for, as notes. */
    json_t *notes = arr(b);
    char text[RN_NAME_BYTES_MAX + 128];
    snprintf(text, sizeof(text), "Supervision and identity verification: %s",
             proto_codes_vocab_name(PROTO_VOCAB_SUPERVISION, s->supervision));
    add(b, notes, note_c(b, text));
    snprintf(text, sizeof(text), "Quality assurance: %s",
             proto_codes_vocab_name(PROTO_VOCAB_QA, s->qa_type));
    add(b, notes, note_c(b, text));
    snprintf(text, sizeof(text), "Stackability: %s",
             s->stackability == PROTO_STACK_STACKABLE ? "stackable" : "stand-alone");
    add(b, notes, note_c(b, text));
    if (s->nqf.len > 0) {
        snprintf(text, sizeof(text), "NQF level: %.*s", (int)s->nqf.len, (const char *)s->nqf.ptr);
        add(b, notes, note_c(b, text));
    }
    put(b, d, "additionalNote", notes);

    /* Who awards it, and when: the awarding opportunity is the spec's validity. */
    json_t *ao = typed(b, "AwardingOpportunity"), *per = typed(b, "PeriodOfTime");
    put(b, ao, "awardingBody", elm_org(b, p, lang));
    put(b, per, "startDate", jtime(b, s->valid_from_ms));
    if (s->valid_until_ms != 0)
        put(b, per, "endDate", jtime(b, s->valid_until_ms));
    put(b, ao, "temporal", per);
    json_t *aos = arr(b);
    add(b, aos, ao);
    put(b, d, "awardingOpportunity", aos);
    put(b, d, "status", jcstr(b, s->status == PROTO_STATUS_WITHDRAWN ? "withdrawn" : "active"));
}

int api_export_spec(const proto_spec *s, const proto_provider *p, api_export_form f, json_t **out,
                    char *why, size_t why_len)
{
    builder b = { false };
    *out = NULL;
    if (why_len > 0)
        why[0] = '\0';
    if (f != API_EXPORT_OB3 && f != API_EXPORT_ELM) {
        if (why_len > 0)
            snprintf(why, why_len, "no such form: ob3 or elm");
        return RN_EINVAL;
    }
    if (!proto_str_eq(s->provider, p->id)) {
        if (why_len > 0)
            snprintf(why, why_len, "spec %.*s names provider %.*s, not %.*s", (int)s->id.len,
                     (const char *)s->id.ptr, (int)s->provider.len, (const char *)s->provider.ptr,
                     (int)p->id.len, (const char *)p->id.ptr);
        return RN_EINVAL;
    }
    RN_ASSERT(s->title_n > 0 && s->outcomes_n > 0 && s->languages_n > 0);
    json_t *d = json_object();
    if (d == NULL)
        return RN_ENOMEM;
    if (f == API_EXPORT_OB3)
        export_ob3(&b, s, p, d);
    else
        export_elm(&b, s, p, d);
    if (b.oom) {
        json_decref(d);
        if (why_len > 0)
            snprintf(why, why_len, "out of memory");
        return RN_ENOMEM;
    }
    *out = d;
    return 0;
}

/* ---- The control API's answers ---- */

int api_export_record_of(mp_cur answer, proto_kind kind, proto_entry *e, proto_record *r)
{
    const uint8_t *b;
    uint32_t n;
    mp_cur v;
    if (!api_map_get(answer, "bytes", &v) || mp_read_bin(&v, &b, &n) < 0)
        return RN_EMISSING;
    RN_TRY(proto_entry_decode(e, b, n, NULL));
    if (e->kind != kind)
        return RN_EKIND;
    return proto_record_decode(r, kind, e->body, e->body_len, NULL);
}

int api_export_answers(mp_cur spec_answer, mp_cur provider_answer, api_export_form f, json_t **out,
                       char *why, size_t why_len)
{
    proto_entry es, ep;
    proto_record *rs = malloc(sizeof(*rs)), *rp = malloc(sizeof(*rp));
    int rc = RN_ENOMEM;
    *out = NULL;
    if (rs == NULL || rp == NULL)
        goto out;
    rc = api_export_record_of(spec_answer, PROTO_KIND_SPEC, &es, rs);
    if (rc == 0)
        rc = api_export_record_of(provider_answer, PROTO_KIND_PROVIDER, &ep, rp);
    if (rc == 0)
        rc = api_export_spec(&rs->u.spec, &rp->u.provider, f, out, why, why_len);
    else if (why_len > 0)
        snprintf(why, why_len, "an answer of the node does not hold the spec or provider record");
out:
    free(rs);
    free(rp);
    return rc;
}
