/*
 * import.c: ELM v3 and Open Badges 3.0 credentials onto a provider and a spec record (import.h).
 *
 * Three tables drive it: the Annex I elements (each record field, its name for people, whether
 * the record needs it, and the flag that gives it), the command line flags (each onto one field),
 * and the labels of the ELM concepts that name an Annex I value ("Blended" is "onsite or
 * blended"). A format's mapper reads the file and fills the JSON records; what it cannot find it
 * reports against the element table; the flags then set fields on top; the ids are derived last,
 * since they need the country, which a flag may have given.
 *
 * JSON-LD lets almost any property hold one value or an array of them, and a language map
 * ({"en": "..."}) where a string would do: the accessors below take the first of an array and
 * the English text of a map (else the text of the smallest language code), and say so in a note
 * when they leave something out.
 */
#include "import.h"

#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codes.h"
#include "proto/entry.h"
#include "proto/limits.h"
#include "proto/record.h"
#include "recjson.h"

/* ---- The Annex I elements, as recnet's records carry them ---- */

typedef struct element {
    const char *field; /* "spec.isced" */
    const char *name;  /* for people */
    bool required;     /* the record cannot go without it */
    const char *flag;  /* the flag that gives it, or NULL */
} element;

static const element elements[] = {
    { "provider.id", "identifier of the awarding body", true, "--provider-id CC:REF" },
    { "provider.legal_name", "legal name of the awarding body", true, NULL },
    { "provider.country", "country of the awarding body (one of the 30)", true, "--country CC" },
    { "provider.registration_number", "registration number of the awarding body", false, NULL },
    { "provider.qa_status", "quality assurance status of the awarding body", true,
      "--qa-status accredited|under_review|not_accredited" },
    { "provider.qa_body", "quality assurance body of an accredited awarding body", true,
      "--qa-body NAME" },
    { "provider.issuer_keys", "issuer keys (recnet's own: no credential file carries them)", false,
      "--issuer-key rn1:...|KEYFILE" },
    { "provider.url", "website of the awarding body", false, NULL },
    { "spec.id", "identifier of the specification", true, "--spec-id CC:REF" },
    { "spec.title", "title", true, NULL },
    { "spec.outcomes", "learning outcomes", true, NULL },
    { "spec.ects", "notional workload in ECTS credits", true, "--ects N" },
    { "spec.eqf", "EQF level", false, "--eqf 1-8" },
    { "spec.nqf", "NQF level", false, NULL },
    { "spec.isced", "ISCED-F field of education and training", true, "--isced CODE" },
    { "spec.assessment", "type of assessment", true, "--assessment TYPE" },
    { "spec.participation", "form of participation", true, "--participation FORM" },
    { "spec.qa_type", "type of quality assurance", true, "--qa-type internal|external" },
    { "spec.languages", "language(s) of instruction and assessment", true, "--languages en,nl" },
    { "spec.prerequisites", "prerequisites", false, NULL },
    { "spec.supervision", "supervision and identity verification", true, "--supervision TYPE" },
    { "spec.grading", "grading scheme", false, NULL },
    { "spec.stackability", "stackability (stand-alone, or part of a qualification)", true,
      "--stackability stand_alone|stackable [--part-of ID]" },
    { "spec.url", "further information URL", false, NULL },
    { "spec.valid_from", "valid from", true, "--valid-from DATE" },
    { "spec.valid_until", "valid until", false, "--valid-until DATE" },
    { "spec.source_ids", "the achievement or specification it was imported from", false, NULL },
};

#define ELEMENTS_N (sizeof(elements) / sizeof(elements[0]))

static const element *element_of(const char *field)
{
    for (size_t i = 0; i < ELEMENTS_N; i++) {
        if (strcmp(elements[i].field, field) == 0)
            return &elements[i];
    }
    RN_ASSERT(!"no such element");
    return NULL;
}

/* ---- The flags: each sets one field ---- */

typedef struct flag_field {
    size_t off; /* of the value in imp_flags */
    proto_kind kind;
    const char *field; /* the record field (PROTOCOL.md section 3) */
} flag_field;

static const flag_field flag_fields[] = {
    { offsetof(imp_flags, country), PROTO_KIND_PROVIDER, "country" },
    { offsetof(imp_flags, qa_status), PROTO_KIND_PROVIDER, "qa_status" },
    { offsetof(imp_flags, qa_body), PROTO_KIND_PROVIDER, "qa_body" },
    { offsetof(imp_flags, isced), PROTO_KIND_SPEC, "isced" },
    { offsetof(imp_flags, ects), PROTO_KIND_SPEC, "ects" },
    { offsetof(imp_flags, eqf), PROTO_KIND_SPEC, "eqf" },
    { offsetof(imp_flags, qa_type), PROTO_KIND_SPEC, "qa_type" },
    { offsetof(imp_flags, assessment), PROTO_KIND_SPEC, "assessment" },
    { offsetof(imp_flags, participation), PROTO_KIND_SPEC, "participation" },
    { offsetof(imp_flags, supervision), PROTO_KIND_SPEC, "supervision" },
    { offsetof(imp_flags, stackability), PROTO_KIND_SPEC, "stackability" },
    { offsetof(imp_flags, part_of), PROTO_KIND_SPEC, "part_of" },
    { offsetof(imp_flags, languages), PROTO_KIND_SPEC, "languages" },
    { offsetof(imp_flags, valid_from), PROTO_KIND_SPEC, "valid_from" },
    { offsetof(imp_flags, valid_until), PROTO_KIND_SPEC, "valid_until" },
};

static const char *flag_value(const imp_flags *fl, const flag_field *f)
{
    return *(const char *const *)((const char *)fl + f->off);
}

/* ---- ELM concept labels onto Annex I values (compared after normalise()) ---- */

typedef struct label_map {
    const char *label;
    const char *value;
} label_map;

static const label_map participation_labels[] = {
    { "online", "online" },
    { "blended", "onsite or blended" },
    { "onsite", "onsite or blended" },
    { "on-site", "onsite or blended" },
    { "face-to-face", "onsite or blended" },
    { "face to face", "onsite or blended" },
    { "in person", "onsite or blended" },
    { "in-person", "onsite or blended" },
    { "onsite or blended", "onsite or blended" },
    { "volunteering", "volunteering" },
    { "work experience", "work experience" },
    { "personalized learning activities", "personalized learning activities" },
    { NULL, NULL },
};

static const label_map assessment_labels[] = {
    { "testing", "testing" },
    { "test", "testing" },
    { "exam", "testing" },
    { "examination", "testing" },
    { "written exam", "testing" },
    { "oral exam", "testing" },
    { "application of a skill", "application of a skill" },
    { "practical assessment", "application of a skill" },
    { "skills demonstration", "application of a skill" },
    { "portfolio", "portfolio" },
    { "artefact assessment", "portfolio" },
    { "artifact assessment", "portfolio" },
    { "recognition of prior learning", "recognition of prior learning" },
    { NULL, NULL },
};

/* ELM's supervision-verification concepts ("Unsupervised without ID Verification") after
 * normalise(): "without" reads "with no", "id verification" reads "identity verification". */
static const label_map supervision_labels[] = {
    { "unsupervised with no identity verification", "unsupervised with no identity verification" },
    { "supervised with no identity verification", "supervised with no identity verification" },
    { "supervised online", "supervised online" },
    { "supervised online with identity verification", "supervised online" },
    { "onsite with identity verification", "onsite with identity verification" },
    { "supervised onsite with identity verification", "onsite with identity verification" },
    { NULL, NULL },
};

/* The EU authority table of languages (http://publications.europa.eu/resource/authority/
 * language/ENG) onto ISO 639-1: the languages of the 30 countries and their neighbours. */
#define URI_LANGUAGE "http://publications.europa.eu/resource/authority/language/"

static const char *const languages[][2] = {
    { "BUL", "bg" }, { "CAT", "ca" }, { "CES", "cs" }, { "DAN", "da" }, { "DEU", "de" },
    { "ELL", "el" }, { "ENG", "en" }, { "EST", "et" }, { "EUS", "eu" }, { "FIN", "fi" },
    { "FRA", "fr" }, { "GLE", "ga" }, { "GLG", "gl" }, { "HRV", "hr" }, { "HUN", "hu" },
    { "ISL", "is" }, { "ITA", "it" }, { "LAV", "lv" }, { "LIT", "lt" }, { "LTZ", "lb" },
    { "MLT", "mt" }, { "NLD", "nl" }, { "NOB", "nb" }, { "NNO", "nn" }, { "NOR", "no" },
    { "POL", "pl" }, { "POR", "pt" }, { "RON", "ro" }, { "SLK", "sk" }, { "SLV", "sl" },
    { "SPA", "es" }, { "SWE", "sv" },
};

#define URI_ECTS "http://data.europa.eu/snb/education-credit/6fcec5c5af"
#define URI_ESCO "http://data.europa.eu/esco/"

/* ---- Reports ---- */

static void vreport(imp_result *r, imp_level level, const char *field, const char *fmt, va_list ap)
{
    if (r->reports_n >= IMP_REPORTS_MAX)
        return;
    imp_report *p = &r->reports[r->reports_n++];
    memset(p, 0, sizeof(*p));
    p->level = level;
    if (field != NULL) {
        const element *e = element_of(field);
        p->field = e->field;
        p->element = e->name;
        p->flag = e->flag;
    }
    vsnprintf(p->text, sizeof(p->text), fmt, ap);
}

/* A note about how `field` (may be NULL) was read. */
__attribute__((format(printf, 3, 4))) static void note(imp_result *r, const char *field,
                                                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(r, IMP_NOTE, field, fmt, ap);
    va_end(ap);
}

/* The file lacks `field`: required or optional as the element table says. */
__attribute__((format(printf, 3, 4))) static void lack(imp_result *r, const char *field,
                                                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(r, element_of(field)->required ? IMP_LACK_REQUIRED : IMP_LACK_OPTIONAL, field, fmt, ap);
    va_end(ap);
}

__attribute__((format(printf, 4, 5))) static int fail(int code, char *why, size_t why_len,
                                                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
    return code;
}

/* ---- JSON-LD accessors ---- */

/* Values of a property that may be one value or an array. */
static size_t count(json_t *v)
{
    return json_is_array(v) ? json_array_size(v) : v != NULL ? 1u : 0u;
}

static json_t *item(json_t *v, size_t i)
{
    return json_is_array(v) ? json_array_get(v, i) : i == 0 ? v : NULL;
}

static json_t *get(json_t *o, const char *k)
{
    return json_is_object(o) ? json_object_get(o, k) : NULL;
}

/* The first value of property k. */
static json_t *get1(json_t *o, const char *k)
{
    return item(get(o, k), 0);
}

static const char *str_of(json_t *v)
{
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The text of a language map ({"en": "..."}: English, else the smallest language code), or of
 * a plain string. */
static const char *text_of(json_t *v)
{
    const char *k, *best = NULL, *best_k = NULL;
    json_t *t;
    if (json_is_string(v))
        return json_string_value(v);
    if (!json_is_object(v))
        return NULL;
    if (json_is_string(json_object_get(v, "en")))
        return json_string_value(json_object_get(v, "en"));
    json_object_foreach(v, k, t)
    {
        if (json_is_string(t) && (best_k == NULL || strcmp(k, best_k) < 0)) {
            best_k = k;
            best = json_string_value(t);
        }
    }
    return best;
}

/* The label of an ELM concept: its prefLabel's text. */
static const char *label_of(json_t *concept)
{
    return text_of(get(concept, "prefLabel"));
}

/* True if "type" (a string or an array of strings) holds `t`. */
static bool has_type(json_t *o, const char *t)
{
    json_t *ty = get(o, "type");
    for (size_t i = 0; i < count(ty); i++) {
        const char *s = str_of(item(ty, i));
        if (s != NULL && strcmp(s, t) == 0)
            return true;
    }
    return false;
}

/* Lower case, spaces collapsed, and ELM's wording of supervision read as Annex I's. */
static void normalise(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    bool space = false;
    for (const char *p = in; *p != '\0' && n + 1 < cap; p++) {
        if (isspace((unsigned char)*p)) {
            space = n > 0;
            continue;
        }
        if (space && n + 2 < cap)
            out[n++] = ' ';
        space = false;
        out[n++] = (char)tolower((unsigned char)*p);
    }
    out[n] = '\0';
    static const char *const subst[][2] = {
        { "without", "with no" },
        { "id verification", "identity verification" },
    };
    for (size_t i = 0; i < sizeof(subst) / sizeof(subst[0]); i++) {
        char *at = strstr(out, subst[i][0]);
        size_t a = strlen(subst[i][0]), b = strlen(subst[i][1]), len = strlen(out);
        if (at == NULL || len - a + b + 1 > cap)
            continue;
        memmove(at + b, at + a, len - (size_t)(at - out) - a + 1);
        memcpy(at, subst[i][1], b);
    }
}

static const char *label_lookup(const label_map *m, const char *label)
{
    char norm[160];
    if (label == NULL)
        return NULL;
    normalise(label, norm, sizeof(norm));
    for (; m->label != NULL; m++) {
        if (strcmp(m->label, norm) == 0)
            return m->value;
    }
    return NULL;
}

/* The last segment of an identifier ("https://example.com/achievements/ach-44ABA" gives
 * "ach-44ABA", "urn:epass:qualification:1" gives "1"), as an id reference: bytes outside
 * [A-Za-z0-9._-] become '-', at most IMP_REF_BYTES_MAX. */
static void ref_of(const char *s, bool last_segment, char out[IMP_REF_BYTES_MAX + 1])
{
    out[0] = '\0';
    if (s == NULL)
        return;
    if (last_segment) {
        size_t len = strlen(s);
        while (len > 0 && s[len - 1] == '/')
            len--;
        size_t i = len;
        while (i > 0 && s[i - 1] != '/' && s[i - 1] != ':' && s[i - 1] != '#')
            i--;
        s += i;
        size_t n = len - i < IMP_REF_BYTES_MAX ? len - i : IMP_REF_BYTES_MAX;
        for (size_t k = 0; k < n; k++)
            out[k] = s[k];
        out[n] = '\0';
    } else {
        snprintf(out, IMP_REF_BYTES_MAX + 1, "%s", s);
    }
    for (char *p = out; *p != '\0'; p++) {
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-')
            *p = '-';
    }
}

/* ---- Setting record fields ---- */

static int set_str(json_t *rec, const char *key, const char *v)
{
    return json_object_set_new(rec, key, json_string(v)) == 0 ? 0 : RN_ENOMEM;
}

/* ECTS from a JSON number or numeric string, as the decimal text recjson reads ("2", "2.5").
 * Returns 0 or RN_EECTS. */
/* The spec's binding to what it was imported from (spec.source_ids, PROTOCOL.md 3.5): the id of
 * the achievement or specification, when it is an absolute URI the record can carry, so that a
 * badge of it finds this spec and no other (`credential verify`). */
static void set_source(imp_result *r, const char *id, const char *where)
{
    size_t len = id != NULL ? strlen(id) : 0, i;
    for (i = 0; i < len && id[i] != ':' && id[i] > 0x20 && id[i] != 0x7f; i++)
        ;
    bool ok =
        len > 0 && len <= RN_URL_BYTES_MAX && i > 0 && i + 1 < len &&
        strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.") == i &&
        !(id[0] >= '0' && id[0] <= '9') && id[0] != '+' && id[0] != '-' && id[0] != '.';
    for (i = 0; ok && i < len; i++)
        ok = (unsigned char)id[i] > 0x20 && id[i] != 0x7f;
    if (!ok) {
        note(r, "spec.source_ids", "%s has no id that is a URI: the spec is bound to nothing",
             where);
        return;
    }
    json_t *a = json_array();
    if (a == NULL || json_array_append_new(a, json_string(id)) < 0 ||
        json_object_set_new(r->spec, "source_ids", a) < 0)
        return;
    note(r, "spec.source_ids", "bound to %s %s", where, id);
}

static int ects_text(json_t *v, char out[32])
{
    uint32_t centi;
    if (json_is_integer(v)) {
        snprintf(out, 32, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        double d = json_real_value(v) * 100.0;
        if (!(d >= 0) || d > (double)RN_ECTS_CENTI_MAX)
            return RN_EECTS;
        uint32_t c = (uint32_t)(d + 0.5);
        double off = d - (double)c;
        if (off > 1e-6 || off < -1e-6) /* not a whole number of hundredths */
            return RN_EECTS;
        snprintf(out, 32, "%u.%02u", c / 100u, c % 100u);
    } else if (json_is_string(v)) {
        snprintf(out, 32, "%s", json_string_value(v));
    } else {
        return RN_EECTS;
    }
    if (rec_ects_parse(out, strlen(out), &centi) < 0 || centi == 0)
        return RN_EECTS;
    return 0;
}

/* ---- European Learning Model v3 ---- */

/* The country of an ELM organisation: its address, else its registration's or VAT number's
 * country. Sets provider.country, or reports the lack with what was found. */
static void elm_country(imp_result *r, json_t *org)
{
    json_t *cands[8];
    const char *where[8];
    size_t n = 0;
    json_t *loc = get(org, "location");
    for (size_t i = 0; i < count(loc) && n < 4; i++) {
        json_t *addr = get(item(loc, i), "address");
        for (size_t k = 0; k < count(addr) && n < 4; k++) {
            cands[n] = get1(get1(item(addr, k), "countryCode"), "id");
            where[n++] = "location.address.countryCode";
        }
    }
    cands[n] = get1(get1(get1(org, "registration"), "spatial"), "id");
    where[n++] = "registration.spatial";
    cands[n] = get1(get1(get1(org, "vatIdentifier"), "spatial"), "id");
    where[n++] = "vatIdentifier.spatial";
    const char *seen = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *uri = str_of(cands[i]);
        const proto_country *c;
        if (uri == NULL)
            continue;
        if (proto_country_from_uri(uri, strlen(uri), &c) == 0) {
            set_str(r->provider, "country", c->alpha2);
            note(r, "provider.country", "%s from the awarding body's %s (%s)", c->alpha2, where[i],
                 uri);
            return;
        }
        seen = uri;
    }
    if (seen != NULL)
        lack(r, "provider.country", "the awarding body's country %s is not one of the 30", seen);
    else
        lack(r, "provider.country", "the awarding body has no address or registration country");
}

static void elm_provider(imp_result *r, json_t *org)
{
    const char *s;
    if ((s = text_of(get(org, "legalName"))) != NULL)
        set_str(r->provider, "legal_name", s);
    else
        lack(r, "provider.legal_name", "the awarding body has no legalName");
    elm_country(r, org);
    const char *reg = str_of(get1(get1(org, "registration"), "notation"));
    const char *ident = str_of(get1(get1(org, "identifier"), "notation"));
    const char *vat = str_of(get1(get1(org, "vatIdentifier"), "notation"));
    if (reg != NULL) {
        set_str(r->provider, "registration_number", reg);
        ref_of(reg, false, r->prov_ref);
    } else {
        lack(r, "provider.registration_number", "the awarding body has no registration");
        ref_of(ident != NULL ? ident : vat, false, r->prov_ref);
    }
    if (vat != NULL)
        note(r, NULL, "the awarding body's VAT number %s is not carried by recnet", vat);
    json_t *acc = get1(org, "accreditation");
    if (json_is_object(acc)) {
        const char *body = text_of(get(get1(acc, "accreditingAgent"), "legalName"));
        set_str(r->provider, "qa_status", "accredited");
        note(r, "provider.qa_status", "accredited: the awarding body carries an accreditation");
        if (body != NULL)
            set_str(r->provider, "qa_body", body);
    } else {
        lack(r, "provider.qa_status", "the awarding body carries no accreditation");
    }
    if ((s = str_of(get1(get1(org, "homepage"), "contentURL"))) != NULL)
        set_str(r->provider, "url", s);
    else
        lack(r, "provider.url", "the awarding body has no homepage");
}

/* title: every language of the map whose code is ISO 639-1. */
static void set_title(imp_result *r, json_t *map, const char *where)
{
    const char *k;
    json_t *v, *t = json_object();
    if (t == NULL)
        return;
    json_object_foreach(map, k, v)
    {
        if (json_is_string(v) && strlen(k) == 2 && islower((unsigned char)k[0]) &&
            islower((unsigned char)k[1]))
            json_object_set(t, k, v);
        else
            note(r, "spec.title", "title language \"%s\" is not an ISO 639-1 code: left out", k);
    }
    if (json_object_size(t) > 0) {
        json_object_set_new(r->spec, "title", t);
        return;
    }
    json_decref(t);
    lack(r, "spec.title", "%s has no title", where);
}

static int elm_outcomes(imp_result *r, json_t *spec)
{
    json_t *los = get(spec, "learningOutcome"), *list = json_array();
    if (list == NULL)
        return RN_ENOMEM;
    for (size_t i = 0; i < count(los); i++) {
        json_t *lo = item(los, i), *o = json_object(), *esco = json_array();
        const char *text = text_of(get(lo, "title"));
        if (text == NULL)
            text = text_of(get(lo, "description"));
        if (text == NULL || o == NULL || esco == NULL) {
            json_decref(o);
            json_decref(esco);
            note(r, "spec.outcomes", "learningOutcome[%zu] has no title: left out", i);
            continue;
        }
        json_object_set_new(o, "text", json_string(text));
        json_t *skills = get(lo, "relatedESCOSkill");
        for (size_t k = 0; k < count(skills); k++) {
            const char *uri = str_of(get(item(skills, k), "id"));
            if (uri == NULL || strncmp(uri, URI_ESCO, strlen(URI_ESCO)) != 0)
                continue;
            if (json_array_size(esco) >= RN_ESCO_PER_OUTCOME_MAX) {
                note(r, "spec.outcomes", "learningOutcome[%zu]: ESCO skills past %u left out", i,
                     RN_ESCO_PER_OUTCOME_MAX);
                break;
            }
            json_array_append_new(esco, json_string(uri));
        }
        if (count(get(lo, "relatedSkill")) > 0)
            note(r, "spec.outcomes",
                 "learningOutcome[%zu]: relatedSkill concepts (not ESCO) are not carried", i);
        if (json_array_size(esco) > 0)
            json_object_set_new(o, "esco", esco);
        else
            json_decref(esco);
        json_array_append_new(list, o);
    }
    if (json_array_size(list) == 0) {
        json_decref(list);
        lack(r, "spec.outcomes", "the specification has no learningOutcome");
        return 0;
    }
    json_object_set_new(r->spec, "outcomes", list);
    return 0;
}

static int elm_ects(imp_result *r, json_t *spec, char *why, size_t wl)
{
    json_t *cps = get(spec, "creditPoint");
    char text[32];
    for (size_t i = 0; i < count(cps); i++) {
        json_t *cp = item(cps, i), *fw = get1(cp, "framework");
        const char *uri = str_of(get(fw, "id")), *label = label_of(fw);
        bool ects = (uri != NULL && strcmp(uri, URI_ECTS) == 0) ||
                    (label != NULL && strstr(label, "European Credit Transfer") != NULL);
        if (!ects) {
            note(r, "spec.ects", "creditPoint[%zu] is not in ECTS (%s)", i,
                 label != NULL ? label : "no framework");
            continue;
        }
        if (ects_text(get(cp, "point"), text) < 0)
            return fail(RN_EECTS, why, wl,
                        "credentialSubject.hasClaim.specifiedBy.creditPoint[%zu].point: not a "
                        "number of ECTS with at most two decimals, 0.01 to 60",
                        i);
        json_object_set_new(r->spec, "ects", json_string(text));
        return 0;
    }
    const char *vol = str_of(get(spec, "volumeOfLearning"));
    if (vol != NULL)
        lack(r, "spec.ects", "no creditPoint in ECTS; the volume of learning %s is hours, not ECTS",
             vol);
    else
        lack(r, "spec.ects", "no creditPoint in ECTS");
    return 0;
}

static int elm_eqf_isced(imp_result *r, json_t *spec, char *why, size_t wl)
{
    json_t *eqf = get1(spec, "eqfLevel");
    /* A LearningAchievementSpecification (not a Qualification) gives its EQF level as an
     * educationLevel concept: the first one under the EQF's URI. */
    for (size_t i = 0; eqf == NULL && i < count(get(spec, "educationLevel")); i++) {
        const char *uri = str_of(get(item(get(spec, "educationLevel"), i), "id"));
        if (uri != NULL && strncmp(uri, PROTO_URI_EQF, strlen(PROTO_URI_EQF)) == 0)
            eqf = item(get(spec, "educationLevel"), i);
    }
    if (eqf != NULL) {
        const char *uri = str_of(get(eqf, "id"));
        int level = uri != NULL ? proto_codes_eqf_from_uri(uri, strlen(uri)) : RN_EINVAL;
        if (level < 0)
            return fail(RN_EEQF, why, wl,
                        "credentialSubject.hasClaim.specifiedBy.eqfLevel: %s is not an EQF level "
                        "(%s1 to 8)",
                        uri != NULL ? uri : "a concept without an id", PROTO_URI_EQF);
        json_object_set_new(r->spec, "eqf", json_integer(level));
    } else {
        lack(r, "spec.eqf", "the specification has no eqfLevel");
    }
    const char *nqf = label_of(get1(spec, "nqfLevel"));
    if (nqf != NULL)
        set_str(r->spec, "nqf", nqf);
    else
        lack(r, "spec.nqf", "the specification has no nqfLevel");

    json_t *areas = get(spec, "thematicArea");
    const char *best = NULL;
    for (size_t i = 0; i < count(areas); i++) {
        const char *uri = str_of(get(item(areas, i), "id")), *code;
        if (uri == NULL)
            continue;
        int rc = proto_codes_isced_from_uri(uri, strlen(uri), &code);
        if (rc == RN_EINVAL) {
            note(r, "spec.isced", "thematicArea[%zu] %s is not an ISCED-F field: left out", i, uri);
            continue;
        }
        if (rc < 0)
            return fail(RN_EISCED, why, wl,
                        "credentialSubject.hasClaim.specifiedBy.thematicArea[%zu]: %s is not one "
                        "of the ISCED-F 2013 fields",
                        i, uri);
        if (best == NULL || strlen(code) > strlen(best)) {
            if (best != NULL)
                note(r, "spec.isced", "ISCED-F %s left out for the narrower %s", best, code);
            best = code;
        } else {
            note(r, "spec.isced", "ISCED-F %s left out for the narrower %s", code, best);
        }
    }
    if (best != NULL)
        set_str(r->spec, "isced", best);
    else
        lack(r, "spec.isced", "the specification has no ISCED-F thematicArea");
    return 0;
}

/* An Annex I value from an ELM concept's label, or the lack. */
static void elm_concept(imp_result *r, json_t *concept, const label_map *m, const char *field,
                        const char *key, const char *where)
{
    const char *label = label_of(concept), *v;
    if (concept == NULL) {
        lack(r, field, "%s is absent", where);
        return;
    }
    v = label_lookup(m, label);
    if (v == NULL) {
        lack(r, field, "%s \"%s\" is not one of Annex I's values", where,
             label != NULL ? label : "(no label)");
        return;
    }
    set_str(r->spec, key, v);
    note(r, field, "\"%s\" from %s \"%s\"", v, where, label);
}

static void elm_languages(imp_result *r, json_t *spec)
{
    json_t *langs = get(spec, "language"), *list = json_array();
    if (list == NULL)
        return;
    for (size_t i = 0; i < count(langs); i++) {
        const char *uri = str_of(get(item(langs, i), "id"));
        size_t n = strlen(URI_LANGUAGE);
        const char *iso = NULL;
        if (uri != NULL && strncmp(uri, URI_LANGUAGE, n) == 0) {
            for (size_t k = 0; k < sizeof(languages) / sizeof(languages[0]); k++) {
                if (strcmp(uri + n, languages[k][0]) == 0)
                    iso = languages[k][1];
            }
        }
        if (iso == NULL) {
            note(r, "spec.languages", "language %s is not one recnet maps: left out",
                 uri != NULL ? uri : "(no id)");
            continue;
        }
        json_array_append_new(list, json_string(iso));
    }
    if (json_array_size(list) > 0) {
        json_object_set_new(r->spec, "languages", list);
        return;
    }
    json_decref(list);
    lack(r, "spec.languages", "the specification has no language");
}

static int map_elm(json_t *doc, imp_result *r, char *why, size_t wl)
{
    json_t *claims = get(get(doc, "credentialSubject"), "hasClaim");
    json_t *claim = item(claims, 0);
    json_t *spec = get1(claim, "specifiedBy");
    const char *s;
    if (!json_is_object(spec))
        return fail(RN_EMISSING, why, wl,
                    "an ELM credential without credentialSubject.hasClaim.specifiedBy: it names no "
                    "specification to import");
    if (count(claims) > 1)
        note(r, NULL, "the credential carries %zu claims: the first is imported", count(claims));

    /* The awarding body: the claim's, else the credential's issuer. */
    json_t *org = get1(get1(claim, "awardedBy"), "awardingBody");
    json_t *issuer = get(doc, "issuer");
    if (!json_is_object(org)) {
        if (json_is_string(org) && json_is_object(issuer))
            note(r, NULL, "the awarding body %s is described as the credential's issuer",
                 json_string_value(org));
        org = issuer;
    }
    if (!json_is_object(org))
        return fail(RN_EMISSING, why, wl,
                    "an ELM credential without an awarding body (hasClaim.awardedBy.awardingBody "
                    "or issuer)");
    elm_provider(r, org);

    json_t *title = get(spec, "title");
    if (!json_is_object(title) && json_is_object(get(claim, "title")))
        title = get(claim, "title");
    if (json_is_object(title))
        set_title(r, title, "the specification");
    else
        lack(r, "spec.title", "the specification has no title");
    RN_TRY(elm_outcomes(r, spec));
    RN_TRY(elm_ects(r, spec, why, wl));
    RN_TRY(elm_eqf_isced(r, spec, why, wl));

    json_t *proven = get1(claim, "provenBy"), *aspec = get1(proven, "specifiedBy");
    elm_concept(r, get1(aspec, "dcType"), assessment_labels, "spec.assessment", "assessment",
                "the assessment's type (provenBy.specifiedBy.dcType)");
    elm_concept(r, get1(spec, "mode"), participation_labels, "spec.participation", "participation",
                "the mode of learning (specifiedBy.mode)");
    elm_concept(r, get1(proven, "idVerification"), supervision_labels, "spec.supervision",
                "supervision", "the assessment's identity verification (provenBy.idVerification)");
    json_t *acc = get1(spec, "accreditation");
    if (json_is_object(acc)) {
        set_str(r->spec, "qa_type", "external");
        note(r, "spec.qa_type", "external: the specification carries an accreditation");
    } else {
        lack(r, "spec.qa_type", "the specification carries no accreditation or QA type");
    }
    elm_languages(r, spec);

    if ((s = text_of(get(get1(spec, "entryRequirement"), "noteLiteral"))) != NULL ||
        (s = str_of(get1(spec, "entryRequirement"))) != NULL)
        set_str(r->spec, "prerequisites", s);
    else
        lack(r, "spec.prerequisites", "the specification has no entryRequirement");

    json_t *gs = get1(aspec, "gradingScheme");
    const char *gt = text_of(get(gs, "title")), *gd = text_of(get(gs, "description"));
    if (gt != NULL || gd != NULL) {
        char *g = malloc(RN_TEXT_BYTES_MAX + 1);
        if (g == NULL)
            return RN_ENOMEM;
        snprintf(g, RN_TEXT_BYTES_MAX + 1, "%s%s%s", gt != NULL ? gt : "",
                 gt != NULL && gd != NULL ? ": " : "", gd != NULL ? gd : "");
        set_str(r->spec, "grading", g);
        free(g);
    } else {
        lack(r, "spec.grading", "the assessment has no gradingScheme");
    }

    json_t *partial = get(spec, "isPartialQualification");
    if (json_is_boolean(partial)) {
        set_str(r->spec, "stackability", json_is_true(partial) ? "stackable" : "stand_alone");
        note(r, "spec.stackability", "%s: isPartialQualification is %s",
             json_is_true(partial) ? "stackable" : "stand_alone",
             json_is_true(partial) ? "true" : "false");
    } else {
        lack(r, "spec.stackability", "the specification has no isPartialQualification");
    }
    if ((s = str_of(get1(get1(spec, "homepage"), "contentURL"))) != NULL)
        set_str(r->spec, "url", s);
    else
        lack(r, "spec.url", "the specification has no homepage");

    if ((s = str_of(get(doc, "validFrom"))) != NULL) {
        set_str(r->spec, "valid_from", s);
        note(r, "spec.valid_from", "the credential's validFrom %s, taken as the specification's",
             s);
    } else {
        lack(r, "spec.valid_from", "the credential has no validFrom");
    }
    if ((s = str_of(get(doc, "validUntil"))) != NULL ||
        (s = str_of(get(doc, "expirationDate"))) != NULL)
        set_str(r->spec, "valid_until", s);
    else
        lack(r, "spec.valid_until", "the credential has no validUntil");

    /* The specification's reference: its own identifier, else the credential's. */
    const char *notation = str_of(get1(get1(spec, "identifier"), "notation"));
    if (notation == NULL && (notation = str_of(get1(get1(doc, "identifier"), "notation"))) != NULL)
        note(r, "spec.id",
             "the specification has no identifier: its id uses the credential's "
             "identifier %s",
             notation);
    if (notation != NULL)
        ref_of(notation, false, r->spec_ref);
    else
        ref_of(str_of(get(spec, "id")), true, r->spec_ref);
    set_source(r, str_of(get(spec, "id")), "the specification");
    return 0;
}

/* ---- Open Badges 3.0 ---- */

static void obv3_provider(imp_result *r, json_t *issuer)
{
    const char *s;
    if ((s = str_of(get(issuer, "name"))) != NULL)
        set_str(r->provider, "legal_name", s);
    else
        lack(r, "provider.legal_name", "the issuer has no name");
    json_t *addr = get1(issuer, "address");
    const char *cc = str_of(get(addr, "addressCountryCode"));
    const char *cname = str_of(get(addr, "addressCountry"));
    const proto_country *c = cc != NULL ? proto_country_find(cc, strlen(cc)) : NULL;
    if (c != NULL) {
        set_str(r->provider, "country", c->alpha2);
        note(r, "provider.country", "%s from the issuer's addressCountryCode", c->alpha2);
    } else if (cc != NULL) {
        lack(r, "provider.country",
             "the issuer's addressCountryCode \"%s\" (addressCountry \"%s\") is not one of the 30",
             cc, cname != NULL ? cname : "");
    } else {
        lack(r, "provider.country", "the issuer has no addressCountryCode");
    }
    /* The registration: a Dutch BRIN institution code in otherIdentifier. */
    json_t *ids = get(issuer, "otherIdentifier");
    const char *brin = NULL;
    for (size_t i = 0; i < count(ids); i++) {
        json_t *e = item(ids, i);
        const char *t = str_of(get(e, "identifierType"));
        if (t != NULL && strcmp(t, "ext:BRIN") == 0)
            brin = str_of(get(e, "identifier"));
    }
    if (brin != NULL) {
        set_str(r->provider, "registration_number", brin);
        note(r, "provider.registration_number", "%s: the issuer's ext:BRIN identifier", brin);
        ref_of(brin, false, r->prov_ref);
    } else {
        lack(r, "provider.registration_number", "the issuer has no ext:BRIN otherIdentifier");
        ref_of(str_of(json_is_string(issuer) ? issuer : get(issuer, "id")), true, r->prov_ref);
    }
    lack(r, "provider.qa_status",
         "Open Badges carries no QA status of the issuer (an ext:QualityAssurance alignment is the "
         "programme's)");
    if ((s = str_of(get(issuer, "url"))) != NULL)
        set_str(r->provider, "url", s);
    else
        lack(r, "provider.url", "the issuer has no url");
}

/* EQF, ISCED-F, NQF, QA and ESCO from the achievement's alignments. */
static int obv3_alignments(imp_result *r, json_t *ach, json_t *esco, char *why, size_t wl)
{
    json_t *al = get(ach, "alignment");
    bool eqf = false, isced = false, qa = false, nqf = false;
    char code[16];
    for (size_t i = 0; i < count(al); i++) {
        json_t *a = item(al, i), *tc = get(a, "targetCode");
        const char *type = str_of(get(a, "targetType")), *url = str_of(get(a, "targetUrl"));
        const char *name = str_of(get(a, "targetName"));
        type = type != NULL ? type : "";
        code[0] = '\0';
        if (json_is_string(tc))
            snprintf(code, sizeof(code), "%s", json_string_value(tc));
        else if (json_is_integer(tc))
            snprintf(code, sizeof(code), "%lld", (long long)json_integer_value(tc));
        bool url_eqf = url != NULL && strncmp(url, PROTO_URI_EQF, strlen(PROTO_URI_EQF)) == 0;
        bool url_isced = url != NULL && strncmp(url, PROTO_URI_ISCED, strlen(PROTO_URI_ISCED)) == 0;
        if (strcmp(type, "ext:EQF") == 0 || url_eqf) {
            int level = url_eqf ? proto_codes_eqf_from_uri(url, strlen(url)) : RN_EEQF;
            if (!url_eqf && strlen(code) == 1 && code[0] >= '1' && code[0] <= '8')
                level = code[0] - '0';
            if (level < 0)
                return fail(RN_EEQF, why, wl,
                            "credentialSubject.achievement.alignment[%zu]: EQF level \"%s\" is "
                            "not 1 to 8",
                            i, url_eqf ? url : code);
            json_object_set_new(r->spec, "eqf", json_integer(level));
            eqf = true;
        } else if (strcmp(type, "ext:ISCED") == 0 || url_isced) {
            const char *c = NULL;
            int rc = url_isced ? proto_codes_isced_from_uri(url, strlen(url), &c) : RN_EISCED;
            if (!url_isced && proto_codes_isced_valid(code, strlen(code)))
                c = code, rc = 0;
            if (rc < 0)
                return fail(RN_EISCED, why, wl,
                            "credentialSubject.achievement.alignment[%zu]: \"%s\" is not one of "
                            "the ISCED-F 2013 fields",
                            i, url_isced ? url : code);
            set_str(r->spec, "isced", c);
            isced = true;
        } else if (strcmp(type, "ext:QualityAssurance") == 0) {
            set_str(r->spec, "qa_type", "external");
            note(r, "spec.qa_type", "external: the ext:QualityAssurance alignment %s (%s)", code,
                 name != NULL ? name : "");
            qa = true;
        } else if (strcmp(type, "ext:NLQF") == 0 || strcmp(type, "ext:NQF") == 0) {
            if (name != NULL) {
                set_str(r->spec, "nqf", name);
                nqf = true;
            }
        } else if (url != NULL && strncmp(url, URI_ESCO, strlen(URI_ESCO)) == 0) {
            if (json_array_size(esco) < RN_ESCO_PER_OUTCOME_MAX)
                json_array_append_new(esco, json_string(url));
        } else {
            note(r, NULL, "alignment[%zu] (%s) is not an Annex I element: left out", i,
                 type[0] != '\0' ? type : "no targetType");
        }
    }
    if (!eqf)
        lack(r, "spec.eqf", "the achievement has no ext:EQF alignment");
    if (!isced)
        lack(r, "spec.isced",
             "Open Badges carries no ISCED-F field (and the achievement has no "
             "ext:ISCED alignment)");
    if (!qa)
        lack(r, "spec.qa_type", "the achievement has no ext:QualityAssurance alignment");
    if (!nqf)
        lack(r, "spec.nqf", "the achievement has no NQF alignment");
    return 0;
}

/* An Annex I value that Open Badges carries by name: it must be in the vocabulary. */
static int obv3_vocab(imp_result *r, json_t *ach, const char *prop, proto_vocab v,
                      const char *field, const char *key, char *why, size_t wl)
{
    json_t *val = get(ach, prop);
    const char *s = str_of(val);
    if (val == NULL) {
        lack(r, field, "the achievement has no %s", prop);
        return 0;
    }
    if (s == NULL || proto_codes_vocab_number(v, s, strlen(s)) < 0)
        return fail(RN_EVOCAB, why, wl,
                    "credentialSubject.achievement.%s: \"%s\" is not one of the Annex I values "
                    "of %s",
                    prop, s != NULL ? s : "(not a string)", proto_codes_vocab_element(v));
    set_str(r->spec, key, s);
    return 0;
}

static int map_obv3(json_t *doc, imp_result *r, char *why, size_t wl)
{
    json_t *ach = get(get(doc, "credentialSubject"), "achievement");
    json_t *issuer = get(doc, "issuer");
    const char *s;
    char lang[3] = "";
    if (!json_is_object(ach))
        return fail(RN_EMISSING, why, wl,
                    "an Open Badges credential without credentialSubject.achievement");
    if (json_is_object(issuer) || json_is_string(issuer))
        obv3_provider(r, issuer);
    else
        return fail(RN_EMISSING, why, wl, "an Open Badges credential without an issuer");

    const char *in = str_of(get(ach, "inLanguage"));
    if (in != NULL && strlen(in) >= 2 && isalpha((unsigned char)in[0]) &&
        isalpha((unsigned char)in[1]) && (in[2] == '\0' || in[2] == '-')) {
        lang[0] = (char)tolower((unsigned char)in[0]);
        lang[1] = (char)tolower((unsigned char)in[1]);
        json_t *l = json_array();
        json_array_append_new(l, json_string(lang));
        json_object_set_new(r->spec, "languages", l);
        note(r, "spec.languages", "%s from inLanguage \"%s\"", lang, in);
    } else {
        lack(r, "spec.languages", "the achievement has no inLanguage of ISO 639-1");
    }
    if ((s = str_of(get(ach, "name"))) != NULL && lang[0] != '\0') {
        json_t *t = json_object();
        json_object_set_new(t, lang, json_string(s));
        json_object_set_new(r->spec, "title", t);
    } else if (s == NULL) {
        lack(r, "spec.title", "the achievement has no name");
    }

    json_t *esco = json_array();
    if (esco == NULL)
        return RN_ENOMEM;
    int rc = obv3_alignments(r, ach, esco, why, wl);
    if (rc < 0) {
        json_decref(esco);
        return rc;
    }
    if ((s = str_of(get(get(ach, "criteria"), "narrative"))) != NULL) {
        json_t *o = json_object(), *list = json_array();
        json_object_set_new(o, "text", json_string(s));
        if (json_array_size(esco) > 0)
            json_object_set(o, "esco", esco);
        json_array_append_new(list, o);
        json_object_set_new(r->spec, "outcomes", list);
        note(r, "spec.outcomes",
             "one outcome: the achievement's criteria.narrative (Open Badges has no list of "
             "learning outcomes)");
    } else {
        lack(r, "spec.outcomes", "the achievement has no criteria.narrative");
    }
    json_decref(esco);

    json_t *ects = get(ach, "ECTS");
    char text[32];
    if (ects != NULL) {
        if (ects_text(ects, text) < 0)
            return fail(RN_EECTS, why, wl,
                        "credentialSubject.achievement.ECTS: not a number of ECTS with at most "
                        "two decimals, 0.01 to 60");
        json_object_set_new(r->spec, "ects", json_string(text));
    } else if (get(ach, "SBU") != NULL) {
        lack(r, "spec.ects", "the achievement gives SBU %lld (study load hours), not ECTS",
             (long long)json_integer_value(get(ach, "SBU")));
    } else {
        lack(r, "spec.ects", "the achievement has no ECTS");
    }
    RN_TRY(obv3_vocab(r, ach, "assessmentType", PROTO_VOCAB_ASSESSMENT, "spec.assessment",
                      "assessment", why, wl));
    RN_TRY(obv3_vocab(r, ach, "participationType", PROTO_VOCAB_PARTICIPATION, "spec.participation",
                      "participation", why, wl));
    RN_TRY(obv3_vocab(r, ach, "supervisionType", PROTO_VOCAB_SUPERVISION, "spec.supervision",
                      "supervision", why, wl));
    lack(r, "spec.prerequisites", "Open Badges carries no prerequisites");

    /* The grading scheme: the first result description's scale. */
    json_t *rd = get1(ach, "resultDescription");
    const char *lo = str_of(get(rd, "valueMin")), *hi = str_of(get(rd, "valueMax"));
    const char *pass = str_of(get(rd, "requiredValue")), *rname = str_of(get(rd, "name"));
    if (lo != NULL && hi != NULL) {
        char g[RN_NAME_BYTES_MAX];
        snprintf(g, sizeof(g), "%s%s%s to %s%s%s", rname != NULL ? rname : "",
                 rname != NULL ? ": " : "", lo, hi, pass != NULL ? ", pass mark " : "",
                 pass != NULL ? pass : "");
        set_str(r->spec, "grading", g);
        note(r, "spec.grading", "from the achievement's resultDescription");
    } else {
        lack(r, "spec.grading", "the achievement has no resultDescription with a scale");
    }
    lack(r, "spec.stackability", "Open Badges does not say whether the achievement stacks");
    lack(r, "spec.url",
         "the achievement has no further information URL (its id is an "
         "identifier)");
    if ((s = str_of(get(doc, "validFrom"))) != NULL ||
        (s = str_of(get(doc, "issuanceDate"))) != NULL) {
        set_str(r->spec, "valid_from", s);
        note(r, "spec.valid_from", "the credential's validFrom %s, taken as the specification's",
             s);
    } else {
        lack(r, "spec.valid_from", "the credential has no validFrom");
    }
    if ((s = str_of(get(doc, "validUntil"))) != NULL ||
        (s = str_of(get(doc, "expirationDate"))) != NULL)
        set_str(r->spec, "valid_until", s);
    else
        lack(r, "spec.valid_until", "the credential has no validUntil");
    ref_of(str_of(get(ach, "id")), true, r->spec_ref);
    set_source(r, str_of(get(ach, "id")), "the achievement");
    return 0;
}

/* ---- Detection, flags, ids ---- */

static imp_format detect(json_t *doc)
{
    if (!json_is_object(doc))
        return IMP_NONE;
    if (has_type(doc, "OpenBadgeCredential") || has_type(doc, "AchievementCredential"))
        return IMP_OBV3;
    if (has_type(doc, "EuropeanDigitalCredential") ||
        (has_type(doc, "VerifiableCredential") &&
         get(get(doc, "credentialSubject"), "hasClaim") != NULL))
        return IMP_ELM;
    return IMP_NONE;
}

const char *imp_format_name(imp_format f)
{
    switch (f) {
    case IMP_ELM:
        return "European Learning Model v3";
    case IMP_OBV3:
        return "Open Badges 3.0";
    default:
        return "neither format";
    }
}

static int apply_flags(imp_result *r, const imp_flags *fl, char *why, size_t wl)
{
    rec_err e;
    char up[3];
    char msg[REC_FIELD_BYTES + REC_DETAIL_BYTES + 64];
    for (size_t i = 0; i < sizeof(flag_fields) / sizeof(flag_fields[0]); i++) {
        const flag_field *f = &flag_fields[i];
        const char *v = flag_value(fl, f);
        json_t *rec = f->kind == PROTO_KIND_PROVIDER ? r->provider : r->spec;
        if (v == NULL)
            continue;
        if (f->off == offsetof(imp_flags, country) && strlen(v) == 2) {
            up[0] = (char)toupper((unsigned char)v[0]);
            up[1] = (char)toupper((unsigned char)v[1]);
            up[2] = '\0';
            v = up;
        }
        /* A flag's value replaces the file's (a list flag the whole list). */
        if (json_object_get(rec, f->field) != NULL) {
            note(r, NULL, "%s.%s: the command line's %s replaces the file's",
                 proto_kind_name((int)f->kind), f->field, v);
            json_object_del(rec, f->field);
        }
        if (rec_json_set(rec, f->kind, f->field, v, &e) < 0)
            return fail(RN_EINVAL, why, wl, "%s", rec_err_format(&e, msg, sizeof(msg)));
    }
    if (fl->issuer_key != NULL) {
        json_t *k = json_object(), *list = json_array();
        const char *from = fl->key_valid_from != NULL
                               ? fl->key_valid_from
                               : json_string_value(json_object_get(r->spec, "valid_from"));
        if (k == NULL || list == NULL) {
            json_decref(k);
            json_decref(list);
            return RN_ENOMEM;
        }
        json_object_set_new(k, "key", json_string(fl->issuer_key));
        json_object_set_new(k, "valid_from", from != NULL ? json_string(from) : json_null());
        json_object_set_new(k, "valid_until", json_null());
        json_array_append_new(list, k);
        json_object_set_new(r->provider, "issuer_keys", list);
    } else {
        lack(r, "provider.issuer_keys",
             "no issuer key given: credentials of this provider cannot be verified until one is "
             "registered");
    }
    return 0;
}

/* Ids: the flags', else <CC>:<provider ref> and <provider id>/<spec ref>. */
static int derive_ids(imp_result *r, const imp_flags *fl, char *why, size_t wl)
{
    /* Room past RN_ID_BYTES_MAX, so that a too long id is refused by proto_id_check rather than
     * cut to a valid one. */
    char pid[2u * RN_ID_BYTES_MAX], sid[4u * RN_ID_BYTES_MAX];
    const char *cc = json_string_value(json_object_get(r->provider, "country"));
    const proto_country *c = cc != NULL ? proto_country_find(cc, strlen(cc)) : NULL;
    pid[0] = sid[0] = '\0';
    if (fl->provider_id != NULL) {
        if (strlen(fl->provider_id) >= sizeof(pid))
            return fail(RN_EINVAL, why, wl, "provider id: longer than %u bytes", RN_ID_BYTES_MAX);
        snprintf(pid, sizeof(pid), "%s", fl->provider_id);
    } else if (c != NULL && r->prov_ref[0] != '\0') {
        snprintf(pid, sizeof(pid), "%s:%s", c->alpha2, r->prov_ref);
        note(r, "provider.id", "%s: derived from the country and %s", pid,
             json_object_get(r->provider, "registration_number") != NULL
                 ? "the registration number"
                 : "the issuer's identifier");
    } else if (c != NULL) {
        lack(r, "provider.id", "the file has no registration number or identifier to derive it");
    }
    if (pid[0] != '\0') {
        if (proto_id_check((const uint8_t *)pid, strlen(pid)) < 0)
            return fail(RN_EINVAL, why, wl, "provider id \"%s\": expected CC:REFERENCE", pid);
        if (c != NULL && strncmp(pid, c->alpha2, 2) != 0)
            return fail(RN_EINVAL, why, wl,
                        "provider id %s: its prefix is not the awarding body's country %s", pid,
                        c->alpha2);
        set_str(r->provider, "id", pid);
        set_str(r->spec, "provider", pid);
    }
    if (fl->spec_id != NULL) {
        if (strlen(fl->spec_id) >= sizeof(sid))
            return fail(RN_EINVAL, why, wl, "spec id: longer than %u bytes", RN_ID_BYTES_MAX);
        snprintf(sid, sizeof(sid), "%s", fl->spec_id);
    } else if (pid[0] != '\0' && r->spec_ref[0] != '\0') {
        snprintf(sid, sizeof(sid), "%s/%s", pid, r->spec_ref);
        note(r, "spec.id", "%s: derived from the provider id and the file's identifier", sid);
    } else if (pid[0] != '\0') {
        lack(r, "spec.id", "the file has no identifier of the specification to derive it");
    }
    if (sid[0] != '\0') {
        if (proto_id_check((const uint8_t *)sid, strlen(sid)) < 0)
            return fail(RN_EINVAL, why, wl, "spec id \"%s\": expected CC:REFERENCE", sid);
        if (pid[0] != '\0' && strncmp(sid, pid, 2) != 0)
            return fail(RN_EINVAL, why, wl,
                        "spec id %s: its prefix is not its provider's country (%s)", sid, pid);
        set_str(r->spec, "id", sid);
    }
    if (pid[0] == '\0' && c == NULL)
        lack(r, "provider.id", "it is derived from the country, which is missing");
    if (sid[0] == '\0' && pid[0] == '\0')
        lack(r, "spec.id", "it is derived from the provider id, which is missing");
    return 0;
}

/* A lack that the records now fill (a flag gave it) is resolved. Also: an accredited provider
 * needs its QA body. */
static void resolve(imp_result *r)
{
    for (unsigned i = 0; i < r->reports_n; i++) {
        imp_report *p = &r->reports[i];
        if (p->level == IMP_NOTE || p->field == NULL)
            continue;
        bool prov = strncmp(p->field, "provider.", 9) == 0;
        json_t *rec = prov ? r->provider : r->spec;
        const char *key = p->field + (prov ? 9 : 5);
        p->resolved = json_object_get(rec, key) != NULL;
    }
    const char *qa = json_string_value(json_object_get(r->provider, "qa_status"));
    if (qa != NULL && strcmp(qa, "accredited") == 0 &&
        json_object_get(r->provider, "qa_body") == NULL)
        lack(r, "provider.qa_body", "an accredited awarding body names its QA body");
}

int imp_map(json_t *doc, const imp_flags *fl, imp_result *r, char *why, size_t wl)
{
    int rc;
    memset(r, 0, sizeof(*r));
    why[0] = '\0';
    r->format = detect(doc);
    if (r->format == IMP_NONE)
        return fail(RN_EKIND, why, wl,
                    "neither a European Learning Model v3 credential (type "
                    "EuropeanDigitalCredential, with credentialSubject.hasClaim) nor an Open "
                    "Badges 3.0 credential (type OpenBadgeCredential, with "
                    "credentialSubject.achievement)");
    r->provider = json_object();
    r->spec = json_object();
    if (r->provider == NULL || r->spec == NULL)
        return RN_ENOMEM;
    rc = r->format == IMP_ELM ? map_elm(doc, r, why, wl) : map_obv3(doc, r, why, wl);
    if (rc < 0)
        return rc;
    set_str(r->provider, "status", "active");
    set_str(r->spec, "status", "active");
    note(r, NULL,
         "not read: the learner's data (credentialSubject) and the credential's own "
         "result; no personal data enters a log");
    RN_TRY(apply_flags(r, fl, why, wl));
    /* A title without a language (no inLanguage) takes the first language given. */
    json_t *langs = json_object_get(r->spec, "languages");
    if (json_object_get(r->spec, "title") == NULL && json_array_size(langs) > 0 &&
        r->format == IMP_OBV3 &&
        json_is_string(get(get(get(doc, "credentialSubject"), "achievement"), "name"))) {
        json_t *t = json_object();
        json_object_set(t, json_string_value(json_array_get(langs, 0)),
                        get(get(get(doc, "credentialSubject"), "achievement"), "name"));
        json_object_set_new(r->spec, "title", t);
    }
    RN_TRY(derive_ids(r, fl, why, wl));
    resolve(r);
    return 0;
}

unsigned imp_missing_required(const imp_result *r)
{
    unsigned n = 0;
    for (unsigned i = 0; i < r->reports_n; i++)
        n += r->reports[i].level == IMP_LACK_REQUIRED && !r->reports[i].resolved ? 1u : 0u;
    return n;
}

void imp_result_free(imp_result *r)
{
    json_decref(r->provider);
    json_decref(r->spec);
    r->provider = r->spec = NULL;
}

/* ---- Sealed credentials ---- */

int imp_unseal(json_t *doc, const cred_trust *trust, uint64_t now_ms, cred_report *rep,
               json_t **payload, char *why, size_t wl)
{
    cred_opts o;
    cred_report_init(rep);
    *payload = NULL;
    why[0] = '\0';
    if (!cred_seal_is(doc))
        return 0;
    memset(&o, 0, sizeof(o));
    o.trust = trust;
    o.now_ms = now_ms;
    int rc = cred_seal_check(doc, &o, rep, payload, why, wl);
    RN_ASSERT(rc < 0 || *payload != NULL);
    return rc;
}

imp_seal_verdict imp_seal_verdict_of(const cred_report *rep, const cred_check **failed)
{
    const cred_check *seal = cred_report_find(rep, "seal");
    *failed = NULL;
    for (size_t i = 0; i < rep->n && *failed == NULL; i++)
        if (rep->checks[i].result == CRED_FAIL)
            *failed = &rep->checks[i];
    if (seal == NULL || seal->result != CRED_PASS) {
        if (*failed == NULL)
            *failed = seal;
        return IMP_SEAL_BROKEN;
    }
    return *failed == NULL && rep->failed == 0 ? IMP_SEAL_OK : IMP_SEAL_FORCEABLE;
}
