/*
 * ob3.c: the structure of an Open Badges 3.0 credential (1EdTech, Open Badges Specification
 * v3.0, section B "Data Models"): each class the credential carries is looked at for its type
 * and required properties, and the first fault of each is named by its path
 * ("credentialSubject.result[1].type: InvalidResult is not Result"). The JSON Schema of the
 * specification says the same; these are the rules a verifier relies on, written as code so
 * that each refusal says which rule it is.
 *
 * Also here: the credential's dates (validFrom/issuanceDate, validUntil/expirationDate), which
 * every form shares.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "cred.h"

/* Entries of a list property looked at; a credential with more is refused rather than walked
 * without bound. */
#define LIST_MAX 256u

#define PATH_BYTES 160u

/* The first fault found in a class. */
typedef struct fault {
    bool set;
    char path[PATH_BYTES];
    char why[CRED_REASON_BYTES - PATH_BYTES - 8];
} fault;

__attribute__((format(printf, 3, 4))) static bool bad(fault *f, const char *path, const char *fmt,
                                                      ...)
{
    if (f->set)
        return false;
    va_list ap;
    f->set = true;
    snprintf(f->path, sizeof(f->path), "%s", path);
    va_start(ap, fmt);
    vsnprintf(f->why, sizeof(f->why), fmt, ap);
    va_end(ap);
    return false;
}

/* Adds the check `name`: its fault, or a pass saying what was looked at. */
static void report(cred_report *r, const char *name, const fault *f, const char *ok_fmt,
                   const char *ok_arg)
{
    if (f->set)
        cred_report_add(r, name, CRED_FAIL, "%s: %s", f->path, f->why);
    else
        cred_report_add(r, name, CRED_PASS, ok_fmt, ok_arg != NULL ? ok_arg : "");
}

/* Appends src to out[0..*n), cut as snprintf cuts at PATH_BYTES - 1. */
static void path_put(char *out, size_t *n, const char *src, size_t len)
{
    if (len > PATH_BYTES - 1 - *n)
        len = PATH_BYTES - 1 - *n;
    memcpy(out + *n, src, len);
    *n += len;
    out[*n] = '\0';
}

/* out = path.prop: what snprintf(out, PATH_BYTES, "%s.%s", path, prop) writes, without parsing
 * a format for each property walked (the path is needed only when the property is at fault). */
static void sub(char *out, const char *path, const char *prop)
{
    size_t n = 0;
    path_put(out, &n, path, strnlen(path, PATH_BYTES));
    path_put(out, &n, ".", 1);
    path_put(out, &n, prop, strnlen(prop, PATH_BYTES));
}

/* out = path[i % 1000], the path cut to leave room for the index. */
static void idx(char *out, const char *path, size_t i)
{
    size_t n = strlen(path);
    if (n > PATH_BYTES - 8)
        n = PATH_BYTES - 8;
    memcpy(out, path, n);
    unsigned v = (unsigned)(i % 1000u);
    char d[6];
    size_t k = 0;
    d[k++] = '[';
    if (v >= 100)
        d[k++] = (char)('0' + v / 100);
    if (v >= 10)
        d[k++] = (char)('0' + v / 10 % 10);
    d[k++] = (char)('0' + v % 10);
    d[k++] = ']';
    out[n] = '\0';
    path_put(out, &n, d, k);
}

/* True when the type property (a string or a list of strings) includes `t`. */
static bool has_type(const json_t *o, const char *t)
{
    json_t *ty = json_object_get(o, "type");
    if (json_is_string(ty))
        return strcmp(json_string_value(ty), t) == 0;
    size_t i;
    json_t *v;
    json_array_foreach(ty, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), t) == 0)
            return true;
    }
    return false;
}

/* A short text of the type property, for a reason. */
static const char *type_text(const json_t *o, char *buf, size_t n)
{
    json_t *ty = json_object_get(o, "type");
    if (json_is_string(ty))
        return json_string_value(ty);
    if (json_is_array(ty) && json_array_size(ty) > 0) {
        size_t used = 0, i;
        json_t *v;
        buf[0] = '\0';
        json_array_foreach(ty, i, v)
        {
            int k = snprintf(buf + used, n - used, "%s%s", i > 0 ? "," : "",
                             json_is_string(v) ? json_string_value(v) : "?");
            if (k < 0 || (size_t)k >= n - used)
                break;
            used += (size_t)k;
        }
        return buf;
    }
    return "(none)";
}

static bool need_type(const json_t *o, const char *path, const char *t, fault *f)
{
    char buf[96], p[PATH_BYTES];
    if (!json_is_object(o))
        return bad(f, path, "is not an object (a %s)", t);
    if (has_type(o, t))
        return true;
    sub(p, path, "type");
    return bad(f, p, "%s is not %s", type_text(o, buf, sizeof(buf)), t);
}

static bool need_string(const json_t *o, const char *path, const char *prop, fault *f)
{
    char p[PATH_BYTES];
    json_t *v = json_object_get(o, prop);
    if (json_is_string(v) && json_string_length(v) > 0)
        return true;
    sub(p, path, prop);
    return bad(f, p, v == NULL ? "required, and missing" : "is not a non-empty string");
}

/* A URI: a scheme, a colon, something after it. */
static bool is_uri(const char *s)
{
    size_t i = 0;
    while ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
           (i > 0 && ((s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '-' || s[i] == '.')))
        i++;
    return i > 0 && s[i] == ':' && s[i + 1] != '\0';
}

static bool need_uri(const json_t *o, const char *path, const char *prop, fault *f)
{
    char p[PATH_BYTES];
    if (!need_string(o, path, prop, f))
        return false;
    const char *s = json_string_value(json_object_get(o, prop));
    if (is_uri(s))
        return true;
    sub(p, path, prop);
    return bad(f, p, "%.60s is not a URI", s);
}

/* A value of an Open Badges enumeration, or an extension "ext:Name". */
static bool need_enum(const json_t *o, const char *path, const char *prop,
                      const char *const *values, bool required, fault *f)
{
    char p[PATH_BYTES];
    json_t *v = json_object_get(o, prop);
    if (v == NULL && !required)
        return true;
    if (!need_string(o, path, prop, f))
        return false;
    const char *s = json_string_value(v);
    if (strncmp(s, "ext:", 4) == 0 && s[4] != '\0')
        return true;
    for (size_t i = 0; values[i] != NULL; i++)
        if (strcmp(s, values[i]) == 0)
            return true;
    sub(p, path, prop);
    return bad(f, p, "%.60s is not in its enumeration (nor an ext: extension)", s);
}

/* Each entry of an optional list property (one object also accepted, as JSON-LD allows). */
typedef bool (*entry_fn)(const json_t *o, const char *path, fault *f);

static bool each(const json_t *o, const char *path, const char *prop, entry_fn fn, fault *f)
{
    char p[PATH_BYTES], q[PATH_BYTES];
    json_t *v = json_object_get(o, prop);
    sub(p, path, prop);
    if (v == NULL)
        return true;
    if (!json_is_array(v))
        return fn(v, p, f);
    if (json_array_size(v) > LIST_MAX)
        return bad(f, p, "more than %u entries", LIST_MAX);
    for (size_t i = 0; i < json_array_size(v); i++) {
        idx(q, p, i);
        if (!fn(json_array_get(v, i), q, f))
            return false;
    }
    return true;
}

/* ---- the classes ---- */

static const char *const IDENTIFIER_TYPES[] = {
    "name",          "sourcedId",    "systemId",        "productId",
    "userName",      "accountId",    "emailAddress",    "nationalIdentityNumber",
    "isbn",          "issn",         "lisSourcedId",    "oneRosterSourcedId",
    "sisSourcedId",  "ltiContextId", "ltiDeploymentId", "ltiToolId",
    "ltiPlatformId", "ltiUserId",    "identifier",      NULL,
};

static const char *const ACHIEVEMENT_TYPES[] = {
    "Achievement",
    "ApprenticeshipCertificate",
    "Assessment",
    "Assignment",
    "AssociateDegree",
    "Award",
    "Badge",
    "BachelorDegree",
    "Certificate",
    "CertificateOfCompletion",
    "Certification",
    "CommunityService",
    "Competency",
    "Course",
    "CoCurricular",
    "Degree",
    "Diploma",
    "DoctoralDegree",
    "Fieldwork",
    "GeneralEducationDevelopment",
    "JourneymanCertificate",
    "LearningProgram",
    "License",
    "Membership",
    "ProfessionalDoctorate",
    "QualityAssuranceCredential",
    "MasterCertificate",
    "MasterDegree",
    "MicroCredential",
    "ResearchDoctorate",
    "SecondarySchoolDiploma",
    NULL,
};

static const char *const RESULT_TYPES[] = {
    "GradePointAverage",
    "LetterGrade",
    "Percent",
    "PerformanceLevel",
    "PredictedScore",
    "RawScore",
    "Result",
    "RubricCriterion",
    "RubricCriterionLevel",
    "RubricScore",
    "ScaledScore",
    "Status",
    NULL,
};

static const char *const RESULT_STATUSES[] = {
    "Completed", "Enrolled", "Failed", "InProgress", "OnHold", "Provisional", "Withdrew", NULL,
};

static bool identifier_entry(const json_t *o, const char *path, fault *f)
{
    return need_type(o, path, "IdentifierEntry", f) && need_string(o, path, "identifier", f) &&
           need_enum(o, path, "identifierType", IDENTIFIER_TYPES, true, f);
}

static bool profile(const json_t *o, const char *path, fault *f);

static bool profile_ref(const json_t *o, const char *path, fault *f)
{
    /* A Profile, or its id alone. */
    if (json_is_string(o))
        return is_uri(json_string_value(o)) ? true : bad(f, path, "is not a URI");
    return profile(o, path, f);
}

static bool profile(const json_t *o, const char *path, fault *f)
{
    return need_type(o, path, "Profile", f) && need_uri(o, path, "id", f) &&
           each(o, path, "otherIdentifier", identifier_entry, f) &&
           each(o, path, "parentOrg", profile_ref, f);
}

static bool identity_object(const json_t *o, const char *path, fault *f)
{
    char p[PATH_BYTES];
    if (!need_type(o, path, "IdentityObject", f) || !need_string(o, path, "identityHash", f) ||
        !need_enum(o, path, "identityType", IDENTIFIER_TYPES, true, f))
        return false;
    sub(p, path, "hashed");
    return json_is_boolean(json_object_get(o, "hashed")) ? true : bad(f, p, "required, a boolean");
}

static bool alignment(const json_t *o, const char *path, fault *f)
{
    return need_type(o, path, "Alignment", f) && need_string(o, path, "targetName", f) &&
           need_uri(o, path, "targetUrl", f);
}

static bool result_description(const json_t *o, const char *path, fault *f)
{
    return need_type(o, path, "ResultDescription", f) && need_uri(o, path, "id", f) &&
           need_string(o, path, "name", f) &&
           need_enum(o, path, "resultType", RESULT_TYPES, true, f) &&
           each(o, path, "alignment", alignment, f);
}

static bool result(const json_t *o, const char *path, fault *f)
{
    return need_type(o, path, "Result", f) &&
           need_enum(o, path, "status", RESULT_STATUSES, false, f) &&
           each(o, path, "alignment", alignment, f);
}

static bool evidence(const json_t *o, const char *path, fault *f)
{
    return need_type(o, path, "Evidence", f);
}

static bool criteria(const json_t *o, const char *path, fault *f)
{
    if (!json_is_object(o))
        return bad(f, path, "is not an object (a Criteria)");
    if (json_is_string(json_object_get(o, "narrative")) || json_is_string(json_object_get(o, "id")))
        return true;
    return bad(f, path, "has neither id nor narrative");
}

static bool achievement(const json_t *o, const char *path, fault *f)
{
    char p[PATH_BYTES];
    sub(p, path, "criteria");
    if (!need_type(o, path, "Achievement", f) || !need_uri(o, path, "id", f) ||
        !need_string(o, path, "name", f) || !need_string(o, path, "description", f))
        return false;
    json_t *c = json_object_get(o, "criteria");
    if (c == NULL)
        return bad(f, p, "required, and missing");
    return criteria(c, p, f) &&
           need_enum(o, path, "achievementType", ACHIEVEMENT_TYPES, false, f) &&
           each(o, path, "creator", profile_ref, f) && each(o, path, "alignment", alignment, f);
}

static bool proof_entry(const json_t *o, const char *path, fault *f)
{
    return !json_is_object(o) ? bad(f, path, "is not an object") : need_string(o, path, "type", f);
}

/* ---- the credential ---- */

static bool is_vc_context(const char *s)
{
    return strcmp(s, "https://www.w3.org/2018/credentials/v1") == 0 ||
           strcmp(s, "https://www.w3.org/ns/credentials/v2") == 0;
}

static bool is_ob_context(const char *s)
{
    return strncmp(s, "https://purl.imsglobal.org/spec/ob/v3p0/context", 47) == 0 ||
           strcmp(s, "https://imsglobal.github.io/openbadges-specification/context.json") == 0;
}

bool cred_ob3_is(const json_t *vc)
{
    return has_type(vc, "OpenBadgeCredential") || has_type(vc, "AchievementCredential");
}

bool cred_ob3_context(const json_t *vc)
{
    json_t *ctx = json_object_get(vc, "@context");
    for (size_t i = 0; json_is_array(ctx) && i < json_array_size(ctx); i++) {
        const char *c = json_string_value(json_array_get(ctx, i));
        if (c != NULL && is_ob_context(c))
            return true;
    }
    return false;
}

const char *cred_issuer_id(const json_t *vc)
{
    json_t *i = json_object_get(vc, "issuer");
    if (json_is_string(i))
        return json_string_value(i);
    return json_string_value(json_object_get(i, "id"));
}

/* The classes under the subject: identity objects, the achievement, results. */
static void subject(const json_t *cs, cred_report *r)
{
    fault f;

    memset(&f, 0, sizeof(f));
    each(cs, "credentialSubject", "identifier", identity_object, &f);
    report(r, "identifier", &f, "identity objects well formed%s", NULL);

    memset(&f, 0, sizeof(f));
    json_t *ach = json_object_get(cs, "achievement");
    if (ach == NULL)
        bad(&f, "credentialSubject.achievement", "required, and missing");
    else
        achievement(ach, "credentialSubject.achievement", &f);
    report(r, "achievement", &f, "an Achievement: %s",
           json_string_value(json_object_get(ach, "id")));

    memset(&f, 0, sizeof(f));
    if (json_is_object(ach))
        each(ach, "credentialSubject.achievement", "resultDescription", result_description, &f);
    report(r, "resultDescription", &f, "result descriptions well formed%s", NULL);

    memset(&f, 0, sizeof(f));
    each(cs, "credentialSubject", "result", result, &f);
    report(r, "result", &f, "results well formed%s", NULL);
}

void cred_ob3_structure(const json_t *vc, cred_report *r)
{
    fault f;

    /* @context: the VC context first, and an Open Badges 3.0 context. */
    memset(&f, 0, sizeof(f));
    json_t *ctx = json_object_get(vc, "@context");
    const char *first = json_string_value(json_array_get(ctx, 0));
    bool ob = false;
    for (size_t i = 0; json_is_array(ctx) && i < json_array_size(ctx); i++) {
        const char *c = json_string_value(json_array_get(ctx, i));
        ob = ob || (c != NULL && is_ob_context(c));
    }
    if (!json_is_array(ctx))
        bad(&f, "@context", "required, a list of contexts");
    else if (first == NULL || !is_vc_context(first))
        bad(&f, "@context[0]",
            "is not the Verifiable Credentials context (https://www.w3.org/ns/credentials/v2 "
            "or https://www.w3.org/2018/credentials/v1)");
    else if (!ob)
        bad(&f, "@context", "names no Open Badges 3.0 context");
    report(r, "context", &f, "the VC context and an Open Badges 3.0 context%s", NULL);

    memset(&f, 0, sizeof(f));
    if (!has_type(vc, "VerifiableCredential"))
        bad(&f, "type", "does not include VerifiableCredential");
    else if (!cred_ob3_is(vc))
        bad(&f, "type", "includes neither OpenBadgeCredential nor AchievementCredential");
    report(r, "type", &f, "an Open Badges 3.0 credential%s", NULL);

    memset(&f, 0, sizeof(f));
    /* The data model lists name as required; the public conformance validator accepts
     * credentials without it (a selectively disclosed one), so it is not required here. */
    need_uri(vc, "credential", "id", &f);
    report(r, "credential", &f, "id present%s", NULL);

    memset(&f, 0, sizeof(f));
    json_t *iss = json_object_get(vc, "issuer");
    if (iss == NULL)
        bad(&f, "issuer", "required, and missing");
    else
        profile(iss, "issuer", &f);
    report(r, "issuer", &f, "a Profile: %s", cred_issuer_id(vc));

    memset(&f, 0, sizeof(f));
    json_t *cs = json_object_get(vc, "credentialSubject");
    if (json_is_array(cs))
        bad(&f, "credentialSubject", "is a list: an Open Badges credential has one subject");
    else if (cs == NULL)
        bad(&f, "credentialSubject", "required, and missing");
    else if (need_type(cs, "credentialSubject", "AchievementSubject", &f))
        each(cs, "credentialSubject", "source", profile_ref, &f);
    report(r, "credentialSubject", &f, "an AchievementSubject%s", NULL);
    if (json_is_object(cs))
        subject(cs, r);

    memset(&f, 0, sizeof(f));
    each(vc, "credential", "evidence", evidence, &f);
    report(r, "evidence", &f, "evidence well formed%s", NULL);

    memset(&f, 0, sizeof(f));
    each(vc, "credential", "proof", proof_entry, &f);
    report(r, "proof structure", &f, "proofs typed%s", NULL);
}

/* ---- dates ---- */

static void date_check(const json_t *vc, const char *name, const char *const keys[2], bool required,
                       bool until, uint64_t now_ms, cred_report *r)
{
    char t[21], n[21];
    for (int k = 0; k < 2; k++) {
        json_t *v = json_object_get(vc, keys[k]);
        if (v == NULL)
            continue;
        uint64_t ms;
        if (!json_is_string(v) ||
            cred_time_parse(json_string_value(v), json_string_length(v), &ms) < 0) {
            cred_report_add(r, name, CRED_FAIL, "%s is not an RFC 3339 date-time", keys[k]);
            return;
        }
        cred_time_format(ms, t);
        cred_time_format(now_ms, n);
        if (!until && ms > now_ms)
            cred_report_add(r, name, CRED_FAIL, "not yet valid: %s is %s, after %s", keys[k], t, n);
        else if (until && ms <= now_ms)
            cred_report_add(r, name, CRED_FAIL, "expired: %s is %s, before %s", keys[k], t, n);
        else
            cred_report_add(r, name, CRED_PASS, "%s %s (checked at %s)", keys[k], t, n);
        return;
    }
    if (required)
        cred_report_add(r, name, CRED_FAIL, "the credential has neither %s nor %s", keys[0],
                        keys[1]);
    else
        cred_report_add(r, name, CRED_PASS, "no end of validity");
}

void cred_dates(const json_t *vc, uint64_t now_ms, cred_report *r)
{
    static const char *const from[2] = { "validFrom", "issuanceDate" };
    static const char *const until[2] = { "validUntil", "expirationDate" };
    date_check(vc, "validFrom", from, true, false, now_ms, r);
    date_check(vc, "validUntil", until, false, true, now_ms, r);
}
