/*
 * record.c: encode, strictly decode, compare and validate the six record kinds.
 *
 * Everything is driven by tables (STYLE.md, "tables over chains of ifs"): each kind has one field
 * table (fields.h) giving, for every field, its key, its JSON name (which with the table's name
 * makes its diagnostic name), whether it is required, its type (which fixes both its wire form and
 * the C type it is stored in), its bounds, and its JSON form; and one kind table ties each kind
 * to its field table, its consistency check and the fields that must carry the author's prefix.
 * Decoding, encoding and comparison are three walks over the same tables, and api/recjson.c's
 * JSON reader and writer two more, so a field is described once and none of them can disagree
 * about it. Nested maps (a spec's outcomes, a decision's differences, a pathway's rule) are field
 * tables of their own; the one irregular value, a provider's issuer keys (arrays of three), has
 * its own reader and writer here, and a table of its three positions for the JSON side.
 *
 * Decoding runs on the ingest path once per entry, so it reads through the strict cursor in place,
 * never allocates, and checks each list's count against its array before writing an item.
 */
#include "record.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "codes.h"
#include "fields.h"
#include "rosterchain.h"

/* ---- Strings and identifiers ---- */

proto_str proto_str_c(const char *s)
{
    proto_str r = { (const uint8_t *)s, s != NULL ? (uint32_t)strlen(s) : 0u };
    return r;
}

bool proto_str_eq(proto_str a, proto_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* The bytes of an identifier after its "CC:": a-z, A-Z, 0-9, '.', '_', ':', '/' and '-', by byte
 * value (128 .. 255, never, are left 0); ids are read on every ingest, and a table look-up is
 * cheaper than the chain of ranges. record_test checks the table against the ranges. */
static const uint8_t id_bytes[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
};

static bool id_byte(uint8_t b)
{
    return id_bytes[b] != 0;
}

int proto_id_check(const uint8_t *s, size_t len)
{
    if (len == 0 || len > RN_ID_BYTES_MAX)
        return RN_ELEN;
    if (len < 4 || s[2] != ':' || !proto_country_is_canonical((const char *)s, 2))
        return RN_EID;
    for (size_t i = 3; i < len; i++)
        if (!id_byte(s[i]))
            return RN_EID;
    return 0;
}

/* "http://" or "https://", then at least one byte, and no space or control character anywhere:
 * enough to refuse what is plainly not a web address without parsing RFC 3986 on ingest. */
static bool url_ok(const uint8_t *s, size_t len)
{
    if (!(len > 7 && memcmp(s, "http://", 7) == 0) && !(len > 8 && memcmp(s, "https://", 8) == 0))
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] <= 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

/* An absolute URI (RFC 3986 section 3.1: scheme ":" then at least one byte), no space or control
 * character: the ids credentials give their achievements ("urn:uuid:...", "https://..."). */
static bool uri_ok(const uint8_t *s, size_t len)
{
    size_t i = 0;
    if (len == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return false;
    for (i = 1; i < len && s[i] != ':'; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '-' || s[i] == '.'))
            return false;
    if (i + 1 >= len)
        return false;
    for (i = 0; i < len; i++)
        if (s[i] <= 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

static bool lang_ok(const uint8_t *s, size_t len)
{
    return len == 2 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z';
}

/* ---- Enumerations ---- */

typedef struct enum_desc {
    const char *name;
    const char *const *values; /* values[v] for v = 1 .. count; values[0] is NULL */
    unsigned count;
} enum_desc;

#define X_NAME(n, v, s)  [v] = s,
#define X_COUNT(n, v, s) +1
static const char *const qa_status_names[] = { NULL, PROTO_QA_STATUS_MAP(X_NAME) };
static const char *const provider_status_names[] = { NULL, PROTO_PROVIDER_STATUS_MAP(X_NAME) };
static const char *const status_names[] = { NULL, PROTO_STATUS_MAP(X_NAME) };
static const char *const stackability_names[] = { NULL, PROTO_STACKABILITY_MAP(X_NAME) };
static const char *const purpose_names[] = { NULL, PROTO_PURPOSE_MAP(X_NAME) };
static const char *const outcome_names[] = { NULL, PROTO_OUTCOME_MAP(X_NAME) };
static const char *const difference_names[] = { NULL, PROTO_DIFFERENCE_MAP(X_NAME) };
static const char *const reason_names[] = { NULL, PROTO_REASON_MAP(X_NAME) };
static const char *const key_form_names[] = { NULL, PROTO_KEY_FORM_MAP(X_NAME) };

#define N_QA_STATUS       (0 PROTO_QA_STATUS_MAP(X_COUNT))
#define N_PROVIDER_STATUS (0 PROTO_PROVIDER_STATUS_MAP(X_COUNT))
#define N_STATUS          (0 PROTO_STATUS_MAP(X_COUNT))
#define N_STACKABILITY    (0 PROTO_STACKABILITY_MAP(X_COUNT))
#define N_PURPOSE         (0 PROTO_PURPOSE_MAP(X_COUNT))
#define N_OUTCOME         (0 PROTO_OUTCOME_MAP(X_COUNT))
#define N_DIFFERENCE      (0 PROTO_DIFFERENCE_MAP(X_COUNT))
#define N_REASON          (0 PROTO_REASON_MAP(X_COUNT))
#define N_KEY_FORM        (0 PROTO_KEY_FORM_MAP(X_COUNT))

static const enum_desc enums[PROTO_ENUM_COUNT] = {
    [PROTO_ENUM_QA_STATUS] = { "qa_status", qa_status_names, N_QA_STATUS },
    [PROTO_ENUM_PROVIDER_STATUS] = { "provider_status", provider_status_names, N_PROVIDER_STATUS },
    [PROTO_ENUM_STATUS] = { "status", status_names, N_STATUS },
    [PROTO_ENUM_STACKABILITY] = { "stackability", stackability_names, N_STACKABILITY },
    [PROTO_ENUM_PURPOSE] = { "purpose", purpose_names, N_PURPOSE },
    [PROTO_ENUM_OUTCOME] = { "outcome", outcome_names, N_OUTCOME },
    [PROTO_ENUM_DIFFERENCE] = { "difference", difference_names, N_DIFFERENCE },
    [PROTO_ENUM_REASON] = { "reason", reason_names, N_REASON },
    [PROTO_ENUM_KEY_FORM] = { "key_form", key_form_names, N_KEY_FORM },
};

/* The numbers of every enumeration run from 1 without gaps: the tables above rely on it. */
static_assert(sizeof(qa_status_names) / sizeof(qa_status_names[0]) == N_QA_STATUS + 1, "qa");
static_assert(sizeof(provider_status_names) / sizeof(provider_status_names[0]) ==
                  N_PROVIDER_STATUS + 1,
              "provider status");
static_assert(sizeof(status_names) / sizeof(status_names[0]) == N_STATUS + 1, "status");
static_assert(sizeof(stackability_names) / sizeof(stackability_names[0]) == N_STACKABILITY + 1,
              "stackability");
static_assert(sizeof(purpose_names) / sizeof(purpose_names[0]) == N_PURPOSE + 1, "purpose");
static_assert(sizeof(outcome_names) / sizeof(outcome_names[0]) == N_OUTCOME + 1, "outcome");
static_assert(sizeof(difference_names) / sizeof(difference_names[0]) == N_DIFFERENCE + 1,
              "difference");
static_assert(sizeof(reason_names) / sizeof(reason_names[0]) == N_REASON + 1, "reason");
static_assert(sizeof(key_form_names) / sizeof(key_form_names[0]) == N_KEY_FORM + 1, "key form");
static_assert(N_DIFFERENCE == RN_DIFFERENCES_MAX, "one difference per category at most");

const char *proto_enum_name(proto_enum e)
{
    return (unsigned)e < PROTO_ENUM_COUNT ? enums[e].name : NULL;
}

unsigned proto_enum_size(proto_enum e)
{
    return (unsigned)e < PROTO_ENUM_COUNT ? enums[e].count : 0;
}

const char *proto_enum_value_name(proto_enum e, uint64_t v)
{
    return v >= 1 && v <= proto_enum_size(e) ? enums[e].values[v] : NULL;
}

int proto_enum_value_parse(proto_enum e, const char *name)
{
    for (unsigned v = 1; v <= proto_enum_size(e); v++)
        if (strcmp(enums[e].values[v], name) == 0)
            return (int)v;
    return RN_EENUM;
}

/* ---- Field tables ---- */

/* The row and table types are fields.h's; record.c keeps its short names for them. */
typedef proto_field field;
typedef proto_fields ftab;

#define OFF(T, m)   ((uint32_t)offsetof(T, m))
#define AUX(T, m)   ((int32_t)offsetof(T, m))
#define AT(p, off)  ((void *)((p) + (off)))
#define CAT(p, off) ((const void *)((p) + (off)))

/*
 * One macro per form of field. Each row gives the key, the JSON name `js`, whether the field is
 * required, the struct and member, and the bounds; the diagnostic name is P (the table's name,
 * defined around each table) "." js, and the JSON form follows from the macro unless the row
 * names it. A list's bound is checked at compile time to be the capacity of its array (CAP), so
 * neither the decoder nor the JSON reader can write past it.
 */
#define JSON(js, form, names) .json = js, .json_form = (form), .json_names = (names)
#define CAP(T, m, mx)                                                                              \
    ((uint32_t)(mx) +                                                                              \
     0u * (uint32_t)sizeof(char[sizeof(((T *)0)->m) / sizeof(((T *)0)->m[0]) == (mx) ? 1 : -1]))

#define F_STR(k, js, r, T, m, ty, mx, jf)                                                          \
    {                                                                                              \
        .key = k, .type = ty, .req = r, .name = P "." js, .off = OFF(T, m), .aux = -1, .max = mx,  \
        JSON(js, jf, -1)                                                                           \
    }
#define F_ID(k, js, r, T, m)       F_STR(k, js, r, T, m, PROTO_FT_ID, RN_ID_BYTES_MAX, PROTO_JSON_STR)
#define F_URL(k, js, T, m)         F_STR(k, js, false, T, m, PROTO_FT_URL, RN_URL_BYTES_MAX, PROTO_JSON_STR)
#define F_TEXT(k, js, r, T, m, mx) F_STR(k, js, r, T, m, PROTO_FT_TEXT, mx, PROTO_JSON_STR)
#define F_NUM(k, js, r, T, m, lo, hi, e, jf, jn)                                                   \
    {                                                                                              \
        .key = k, .type = PROTO_FT_NUM, .req = r, .name = P "." js, .off = OFF(T, m), .aux = -1,   \
        .min = lo, .max = hi, .err = e, JSON(js, jf, jn)                                           \
    }
/* ECTS in hundredths, 1 .. hi when present. */
#define F_ECTS(k, js, r, T, m, hi) F_NUM(k, js, r, T, m, 1, hi, RN_EECTS, PROTO_JSON_ECTS, -1)
/* ECTS that may be 0, present when the has-flag h is set. */
#define F_ECTSH(k, js, T, m, h)                                                                    \
    {                                                                                              \
        .key = k, .type = PROTO_FT_NUM, .req = false, .name = P "." js, .off = OFF(T, m),          \
        .aux = AUX(T, h), .min = 0, .max = RN_ECTS_CENTI_MAX, .err = RN_EECTS,                     \
        JSON(js, PROTO_JSON_ECTS_HAS, -1)                                                          \
    }
/* An optional number that may be 0, present when the has-flag h is set. */
#define F_NUMH(k, js, T, m, h, lo, hi, e, jf)                                                      \
    {                                                                                              \
        .key = k, .type = PROTO_FT_NUM, .req = false, .name = P "." js, .off = OFF(T, m),          \
        .aux = AUX(T, h), .min = lo, .max = hi, .err = e, JSON(js, jf, -1)                         \
    }
#define F_ENUM(k, js, T, m, n, en) F_NUM(k, js, true, T, m, 1, n, RN_EENUM, PROTO_JSON_ENUM, en)
#define F_EQF(k, js, r, T, m)                                                                      \
    F_NUM(k, js, r, T, m, PROTO_EQF_MIN, PROTO_EQF_MAX, RN_EEQF, PROTO_JSON_UINT, -1)
#define F_TIME(k, js, r, T, m)                                                                     \
    {                                                                                              \
        .key = k, .type = PROTO_FT_TIME, .req = r, .name = P "." js, .off = OFF(T, m), .aux = -1,  \
        JSON(js, PROTO_JSON_TIME, -1)                                                              \
    }
#define F_VOCAB(k, js, T, m, v)                                                                    \
    {                                                                                              \
        .key = k, .type = PROTO_FT_VOCAB, .req = true, .name = P "." js, .off = OFF(T, m),         \
        .aux = -1, .err = v, JSON(js, PROTO_JSON_VOCAB, v)                                         \
    }
#define F_BOOL(k, js, T, m)                                                                        \
    {                                                                                              \
        .key = k, .type = PROTO_FT_BOOL, .req = true, .name = P "." js, .off = OFF(T, m),          \
        .aux = -1, JSON(js, PROTO_JSON_BOOL, -1)                                                   \
    }
#define F_DIGEST(k, js, T, m)                                                                      \
    {                                                                                              \
        .key = k, .type = PROTO_FT_DIGEST, .req = true, .name = P "." js, .off = OFF(T, m),        \
        .aux = -1, JSON(js, PROTO_JSON_DIGEST, -1)                                                 \
    }
#define F_LIST(k, js, r, T, m, ty, mx)                                                             \
    {                                                                                              \
        .key = k, .type = PROTO_FT_LIST, .elem = ty, .req = r, .name = P "." js, .off = OFF(T, m), \
        .aux = AUX(T, m##_n), .max = CAP(T, m, mx),                                                \
        JSON(js, (ty) == PROTO_FT_COUNTRY ? PROTO_JSON_COUNTRIES : PROTO_JSON_STRS, -1)            \
    }
#define F_TITLE(k, js, r, T, m, tmx)                                                               \
    {                                                                                              \
        .key = k, .type = PROTO_FT_TITLE, .req = r, .name = P "." js, .off = OFF(T, m),            \
        .aux = AUX(T, m##_n), .max = CAP(T, m, RN_LANGS_MAX), .text_max = tmx,                     \
        JSON(js, PROTO_JSON_TITLE, -1)                                                             \
    }
#define F_MAPS(k, js, r, T, m, mx, s)                                                              \
    {                                                                                              \
        .key = k, .type = PROTO_FT_MAPS, .req = r, .name = P "." js, .off = OFF(T, m),             \
        .aux = AUX(T, m##_n), .max = CAP(T, m, mx), .sub = s, JSON(js, PROTO_JSON_OBJS, -1)        \
    }
#define F_MAP(k, js, T, m, s)                                                                      \
    {                                                                                              \
        .key = k, .type = PROTO_FT_MAP, .req = false, .name = P "." js, .off = OFF(T, m),          \
        .aux = -1, .sub = s, JSON(js, PROTO_JSON_OBJ, -1)                                          \
    }
#define F_KEYS(k, js, T, m, s)                                                                     \
    {                                                                                              \
        .key = k, .type = PROTO_FT_KEYS, .req = false, .name = P "." js, .off = OFF(T, m),         \
        .aux = AUX(T, m##_n), .max = CAP(T, m, RN_ISSUER_KEYS_MAX), .sub = s,                      \
        JSON(js, PROTO_JSON_OBJS, -1)                                                              \
    }

#define F_KEYSX(k, js, T, m, s)                                                                    \
    {                                                                                              \
        .key = k, .type = PROTO_FT_KEYS_EXT, .req = false, .name = P "." js, .off = OFF(T, m),     \
        .aux = AUX(T, m##_n), .max = CAP(T, m, RN_ISSUER_KEYS_EXT_MAX), .sub = s,                  \
        JSON(js, PROTO_JSON_OBJS, -1)                                                              \
    }

#define TAB(T, fields)                                                                             \
    {                                                                                              \
        P, fields, sizeof(fields) / sizeof(fields[0]), sizeof(T)                                   \
    }

/* Kind 1: provider, and its issuer keys: arrays whose positions are the keys of these rows
 * (read_keys and write_keys read and write them; the rows give their names and JSON forms). */
#define P "provider.issuer_keys"
static const field issuer_key_fields[] = {
    F_STR(1, "key", true, proto_issuer_key, key, PROTO_FT_DIGEST, 0, PROTO_JSON_KEY),
    F_TIME(2, "valid_from", true, proto_issuer_key, valid_from_ms),
    {
        .key = 3,
        .type = PROTO_FT_TIME,
        .req = false,
        .name = P ".valid_until",
        .off = OFF(proto_issuer_key, valid_until_ms),
        .aux = -1,
        JSON("valid_until", PROTO_JSON_TIME_NIL, -1) /* nil on the wire and null in JSON */
    },
};
static const ftab issuer_key_tab = TAB(proto_issuer_key, issuer_key_fields);
#undef P

/* The issuer keys of the later forms: arrays of four (read_keys_ext, write_keys_ext). */
#define P "provider.issuer_keys_ext"
static const field issuer_key_ext_fields[] = {
    F_ENUM(1, "form", proto_issuer_key_ext, form, N_KEY_FORM, PROTO_ENUM_KEY_FORM),
    F_STR(2, "key", true, proto_issuer_key_ext, key, PROTO_FT_TEXT, RN_ISSUER_DID_BYTES_MAX,
          PROTO_JSON_KEY_TEXT),
    F_TIME(3, "valid_from", true, proto_issuer_key_ext, valid_from_ms),
    {
        .key = 4,
        .type = PROTO_FT_TIME,
        .req = false,
        .name = P ".valid_until",
        .off = OFF(proto_issuer_key_ext, valid_until_ms),
        .aux = -1,
        JSON("valid_until", PROTO_JSON_TIME_NIL, -1) /* nil on the wire and null in JSON */
    },
};
static const ftab issuer_key_ext_tab = TAB(proto_issuer_key_ext, issuer_key_ext_fields);
#undef P

#define P "provider"
static const field provider_fields[] = {
    F_ID(1, "id", true, proto_provider, id),
    F_TEXT(2, "legal_name", true, proto_provider, legal_name, RN_NAME_BYTES_MAX),
    F_STR(3, "country", true, proto_provider, country, PROTO_FT_COUNTRY, 2, PROTO_JSON_COUNTRY),
    F_TEXT(4, "registration_number", false, proto_provider, registration_number, RN_NAME_BYTES_MAX),
    F_ENUM(5, "qa_status", proto_provider, qa_status, N_QA_STATUS, PROTO_ENUM_QA_STATUS),
    F_TEXT(6, "qa_body", false, proto_provider, qa_body, RN_NAME_BYTES_MAX),
    F_KEYS(7, "issuer_keys", proto_provider, issuer_keys, &issuer_key_tab),
    F_ENUM(8, "status", proto_provider, status, N_PROVIDER_STATUS, PROTO_ENUM_PROVIDER_STATUS),
    F_URL(9, "url", proto_provider, url),
    F_KEYSX(10, "issuer_keys_ext", proto_provider, issuer_keys_ext, &issuer_key_ext_tab),
};
static const ftab provider_tab = TAB(proto_provider, provider_fields);
#undef P

/* Kind 2: spec, and its learning outcomes. */
#define P "spec.outcomes"
static const field outcome_fields[] = {
    F_TEXT(1, "text", true, proto_outcome, text, RN_OUTCOME_BYTES_MAX),
    F_LIST(2, "esco", false, proto_outcome, esco, PROTO_FT_URL, RN_ESCO_PER_OUTCOME_MAX),
    F_TITLE(3, "translations", false, proto_outcome, translations, RN_OUTCOME_BYTES_MAX),
};
static const ftab outcome_tab = TAB(proto_outcome, outcome_fields);
#undef P

#define P "spec"
static const field spec_fields[] = {
    F_ID(1, "id", true, proto_spec, id),
    F_ID(2, "provider", true, proto_spec, provider),
    F_TITLE(3, "title", true, proto_spec, title, RN_NAME_BYTES_MAX),
    F_MAPS(4, "outcomes", true, proto_spec, outcomes, RN_OUTCOMES_MAX, &outcome_tab),
    F_ECTS(5, "ects", true, proto_spec, ects_centi, RN_ECTS_CENTI_MAX),
    F_EQF(6, "eqf", false, proto_spec, eqf),
    F_TEXT(7, "nqf", false, proto_spec, nqf, RN_NAME_BYTES_MAX),
    F_STR(8, "isced", true, proto_spec, isced, PROTO_FT_ISCED, PROTO_ISCED_BYTES_MAX,
          PROTO_JSON_STR),
    F_VOCAB(9, "assessment", proto_spec, assessment, PROTO_VOCAB_ASSESSMENT),
    F_VOCAB(10, "participation", proto_spec, participation, PROTO_VOCAB_PARTICIPATION),
    F_VOCAB(11, "qa_type", proto_spec, qa_type, PROTO_VOCAB_QA),
    F_LIST(12, "languages", true, proto_spec, languages, PROTO_FT_LANG, RN_LANGS_MAX),
    F_TEXT(13, "prerequisites", false, proto_spec, prerequisites, RN_TEXT_BYTES_MAX),
    F_VOCAB(14, "supervision", proto_spec, supervision, PROTO_VOCAB_SUPERVISION),
    F_TEXT(15, "grading", false, proto_spec, grading, RN_TEXT_BYTES_MAX),
    F_ENUM(16, "stackability", proto_spec, stackability, N_STACKABILITY, PROTO_ENUM_STACKABILITY),
    F_LIST(17, "part_of", false, proto_spec, part_of, PROTO_FT_ID, RN_SPEC_REFS_MAX),
    F_URL(18, "url", proto_spec, url),
    F_TIME(19, "valid_from", true, proto_spec, valid_from_ms),
    F_TIME(20, "valid_until", false, proto_spec, valid_until_ms),
    F_ENUM(21, "status", proto_spec, status, N_STATUS, PROTO_ENUM_STATUS),
    F_LIST(22, "source_ids", false, proto_spec, source_ids, PROTO_FT_URI, RN_SOURCE_IDS_MAX),
};
static const ftab spec_tab = TAB(proto_spec, spec_fields);
#undef P

/* Kind 3: decision, and its substantial differences. */
#define P "decision.differences"
static const field difference_fields[] = {
    F_ENUM(1, "type", proto_difference, type, N_DIFFERENCE, PROTO_ENUM_DIFFERENCE),
    F_TEXT(2, "note", true, proto_difference, note, RN_NAME_BYTES_MAX),
};
static const ftab difference_tab = TAB(proto_difference, difference_fields);
#undef P

#define P "decision"
static const field decision_fields[] = {
    F_ID(1, "id", true, proto_decision, id),
    F_ID(2, "spec", true, proto_decision, spec),
    F_ENUM(3, "purpose", proto_decision, purpose, N_PURPOSE, PROTO_ENUM_PURPOSE),
    F_ENUM(4, "outcome", proto_decision, outcome, N_OUTCOME, PROTO_ENUM_OUTCOME),
    F_ECTSH(5, "ects", proto_decision, ects_centi, has_ects),
    F_EQF(6, "eqf", false, proto_decision, eqf),
    F_MAPS(7, "differences", false, proto_decision, differences, RN_DIFFERENCES_MAX,
           &difference_tab),
    F_TEXT(8, "conditions", false, proto_decision, conditions, RN_TEXT_BYTES_MAX),
    F_TEXT(9, "appeal", false, proto_decision, appeal, RN_TEXT_BYTES_MAX),
    F_TIME(10, "valid_from", true, proto_decision, valid_from_ms),
    F_TIME(11, "valid_until", false, proto_decision, valid_until_ms),
    F_ID(12, "supersedes", false, proto_decision, supersedes),
};
static const ftab decision_tab = TAB(proto_decision, decision_fields);
#undef P

/* Kind 4: policy. */
#define P "policy"
static const field policy_fields[] = {
    F_ID(1, "id", true, proto_policy, id),
    F_ENUM(2, "purpose", proto_policy, purpose, N_PURPOSE, PROTO_ENUM_PURPOSE),
    F_ENUM(3, "outcome", proto_policy, outcome, N_OUTCOME, PROTO_ENUM_OUTCOME),
    F_LIST(4, "issuer_countries", false, proto_policy, issuer_countries, PROTO_FT_COUNTRY,
           RN_POLICY_COUNTRIES_MAX),
    F_EQF(5, "eqf_min", false, proto_policy, eqf_min),
    F_EQF(6, "eqf_max", false, proto_policy, eqf_max),
    F_ECTS(7, "ects_min", false, proto_policy, ects_min_centi, RN_ECTS_CENTI_MAX),
    F_BOOL(8, "external_qa", proto_policy, external_qa),
    F_LIST(9, "isced_prefixes", false, proto_policy, isced_prefixes, PROTO_FT_ISCED,
           RN_ISCED_PREFIXES_MAX),
    F_TEXT(10, "conditions", false, proto_policy, conditions, RN_TEXT_BYTES_MAX),
    F_TIME(11, "valid_from", true, proto_policy, valid_from_ms),
    F_TIME(12, "valid_until", false, proto_policy, valid_until_ms),
    F_ENUM(13, "status", proto_policy, status, N_STATUS, PROTO_ENUM_STATUS),
};
static const ftab policy_tab = TAB(proto_policy, policy_fields);
#undef P

/* Kind 5: pathway, and its eligibility rule. */
#define P "pathway.rule"
static const field rule_fields[] = {
    F_EQF(1, "eqf_min", false, proto_pathway_rule, eqf_min),
    F_EQF(2, "eqf_max", false, proto_pathway_rule, eqf_max),
    F_LIST(3, "isced_prefixes", false, proto_pathway_rule, isced_prefixes, PROTO_FT_ISCED,
           RN_ISCED_PREFIXES_MAX),
    F_LIST(4, "issuer_countries", false, proto_pathway_rule, issuer_countries, PROTO_FT_COUNTRY,
           RN_POLICY_COUNTRIES_MAX),
    F_ECTS(5, "ects_min", false, proto_pathway_rule, ects_min_centi, RN_ECTS_CENTI_MAX),
};
static const ftab rule_tab = TAB(proto_pathway_rule, rule_fields);
#undef P

#define P "pathway"
static const field pathway_fields[] = {
    F_ID(1, "id", true, proto_pathway, id),
    F_TITLE(2, "title", true, proto_pathway, title, RN_NAME_BYTES_MAX),
    F_EQF(3, "eqf", true, proto_pathway, eqf),
    F_ECTS(4, "ects_min", true, proto_pathway, ects_min_centi, RN_PATHWAY_ECTS_CENTI_MAX),
    F_LIST(5, "mandatory", false, proto_pathway, mandatory, PROTO_FT_ID, RN_SPEC_REFS_MAX),
    F_LIST(6, "eligible", false, proto_pathway, eligible, PROTO_FT_ID, RN_SPEC_REFS_MAX),
    F_MAP(7, "rule", proto_pathway, rule, &rule_tab),
    F_TIME(8, "valid_from", true, proto_pathway, valid_from_ms),
    F_TIME(9, "valid_until", false, proto_pathway, valid_until_ms),
    F_ENUM(10, "status", proto_pathway, status, N_STATUS, PROTO_ENUM_STATUS),
};
static const ftab pathway_tab = TAB(proto_pathway, pathway_fields);
#undef P

/* Kind 6: revocation. */
#define P "revocation"
static const field revocation_fields[] = {
    F_DIGEST(1, "credential", proto_revocation, credential),
    F_ID(2, "provider", true, proto_revocation, provider),
    F_ENUM(3, "reason", proto_revocation, reason, N_REASON, PROTO_ENUM_REASON),
    F_TIME(4, "revoked_at", true, proto_revocation, revoked_at_ms),
    F_NUMH(5, "status_index", proto_revocation, status_index, has_status_index, 0,
           RN_STATUS_INDEX_MAX, RN_ECOUNT, PROTO_JSON_UINT),
};
static const ftab revocation_tab = TAB(proto_revocation, revocation_fields);
#undef P

/* Kind 7: roster (a change of the governed roster, PROTOCOL.md 3.13). */
#define P "roster"
static const field roster_fields[] = {
    F_STR(1, "change", true, proto_roster_record, change, PROTO_FT_BIN,
          RN_ROSTERCHAIN_CHANGE_BYTES_MAX, PROTO_JSON_HEX),
};
static const ftab roster_tab = TAB(proto_roster_record, roster_fields);
#undef P

/* Kind 8: succession (the first entry of a rotated-to key, PROTOCOL.md 3.14). */
#define P "succession"
static const field succession_fields[] = {
    F_STR(1, "predecessor", true, proto_succession, predecessor, PROTO_FT_DIGEST, 0,
          PROTO_JSON_KEY),
    {
        .key = 2,
        .type = PROTO_FT_SEQ,
        .req = true,
        .name = P ".last_seq",
        .off = OFF(proto_succession, last_seq),
        .aux = -1,
        JSON("last_seq", PROTO_JSON_SEQ, -1),
    },
    F_STR(3, "last_id", false, proto_succession, last_id, PROTO_FT_DIGEST, 0, PROTO_JSON_DIGEST),
};
static const ftab succession_tab = TAB(proto_succession, succession_fields);
#undef P

static_assert(sizeof(spec_fields) / sizeof(spec_fields[0]) <= RN_RECORD_FIELDS_MAX,
              "the largest record fits the field mask");
static_assert(sizeof(proto_record) < INT32_MAX, "field offsets fit in int32_t");

/* ---- Decoding ---- */

/* mp_read_uint and mp_read_str with their commonest forms read in place: a positive fixint (every
 * key, most enumerations) and a fixstr (most strings); any other form, and a fixstr longer than
 * what is left, goes to the cursor's reader, which gives the same result or error it always did. */
static inline int read_uint(mp_cur *c, uint64_t *v)
{
    if (c->p < c->end && *c->p <= 0x7f) {
        *v = *c->p++;
        return 0;
    }
    return mp_read_uint(c, v);
}

static inline int read_raw_str(mp_cur *c, const uint8_t **s, uint32_t *len)
{
    if (c->p < c->end && (*c->p & 0xe0u) == 0xa0u) {
        uint32_t n = *c->p & 0x1fu;
        if (mp_cur_left(c) - 1 >= n) {
            *s = c->p + 1;
            *len = n;
            c->p += 1 + n;
            return 0;
        }
    }
    return mp_read_str(c, s, len);
}

/* Records a failure with the list position `index` (0 for none) and returns `code`. */
static int fail(rn_diag *d, int code, const char *field_name, unsigned index)
{
    rn_fail(d, code, field_name);
    if (d != NULL)
        d->index = index;
    return code;
}

/* The longest string of a type; PROTO_FT_TEXT carries its own in the field. */
static uint32_t str_max(uint8_t type, uint32_t text_max)
{
    switch (type) {
    case PROTO_FT_ID:
        return RN_ID_BYTES_MAX;
    case PROTO_FT_URL:
    case PROTO_FT_URI:
        return RN_URL_BYTES_MAX;
    case PROTO_FT_COUNTRY:
    case PROTO_FT_LANG:
        return 2;
    case PROTO_FT_ISCED:
        return PROTO_ISCED_BYTES_MAX;
    case PROTO_FT_TEXT:
        return text_max;
    default:
        RN_ASSERT(0 && "not a string type");
    }
}

/* Whether s[0..len) has the form of a string of `type`: 0, or the error of a string that is not
 * (RN_EID, RN_EURL, RN_ECOUNTRY, RN_ELANG, RN_EISCED). */
static int str_form(uint8_t type, const uint8_t *s, uint32_t len)
{
    switch (type) {
    case PROTO_FT_ID:
        return proto_id_check(s, len);
    case PROTO_FT_URL:
        return url_ok(s, len) ? 0 : RN_EURL;
    case PROTO_FT_URI:
        return uri_ok(s, len) ? 0 : RN_EURL;
    case PROTO_FT_COUNTRY:
        return proto_country_is_canonical((const char *)s, len) ? 0 : RN_ECOUNTRY;
    case PROTO_FT_LANG:
        return lang_ok(s, len) ? 0 : RN_ELANG;
    case PROTO_FT_ISCED:
        return proto_codes_isced_valid((const char *)s, len) ? 0 : RN_EISCED;
    case PROTO_FT_TEXT:
        return 0;
    default:
        RN_ASSERT(0 && "not a string type");
        return RN_EINVAL;
    }
}

/* Reads a string of type `type`: its length within 1 .. max (RN_ELEN), valid UTF-8 (RN_EUTF8),
 * then its form (RN_EID, RN_EURL, RN_ECOUNTRY, RN_ELANG, RN_EISCED). An identifier, a country,
 * a language and an ISCED-F code are ASCII when their form is right, and so valid UTF-8: their
 * form is checked first, and their UTF-8 only when the form is wrong, to tell which error the
 * string has; the verdict is the same. */
static int read_str(mp_cur *c, uint8_t type, uint32_t max, proto_str *out)
{
    const uint8_t *s;
    uint32_t len;
    int rc;
    RN_TRY(read_raw_str(c, &s, &len));
    if (len == 0 || len > max)
        return RN_ELEN;
    switch (type) {
    case PROTO_FT_ID:
    case PROTO_FT_COUNTRY:
    case PROTO_FT_LANG:
    case PROTO_FT_ISCED:
        if ((rc = str_form(type, s, len)) < 0)
            return mp_utf8_valid(s, len) ? rc : RN_EUTF8;
        break;
    default:
        if (!mp_utf8_valid(s, len))
            return RN_EUTF8;
        RN_TRY(str_form(type, s, len));
    }
    out->ptr = s;
    out->len = len;
    return 0;
}

static int decode_map(mp_cur *c, const ftab *t, uint8_t *base, unsigned index, rn_diag *d,
                      uint32_t *pairs_out);

/* Reads the header of a list field and checks its count: a present list has 1 .. f->max items
 * (an empty optional list is written by leaving the field out). */
static int list_header(mp_cur *c, const field *f, bool map, uint32_t *n, unsigned index, rn_diag *d)
{
    int rc = map ? mp_read_map(c, n) : mp_read_array(c, n);
    if (rc < 0)
        return fail(d, rc, f->name, index);
    if (*n == 0 || *n > f->max)
        return fail(d, RN_ECOUNT, f->name, index);
    return 0;
}

static int read_keys(mp_cur *c, const field *f, uint8_t *base, unsigned index, rn_diag *d)
{
    proto_issuer_key *keys = AT(base, f->off);
    uint32_t n, m;
    int rc;
    RN_TRY(list_header(c, f, false, &n, index, d));
    for (uint32_t i = 0; i < n; i++) {
        proto_issuer_key *k = &keys[i];
        unsigned at = i + 1;
        if ((rc = mp_read_array(c, &m)) < 0)
            return fail(d, rc, f->name, at);
        if (m != 3)
            return fail(d, RN_ECOUNT, f->name, at);
        if ((rc = mp_read_bin_exact(c, &k->key, PROTO_KEY_BYTES)) < 0)
            return fail(d, rc, "provider.issuer_keys.key", at);
        /* As a roster key (PROTOCOL.md 4.1): any other 32 bytes can never verify a signature, so
         * a credential under them could never be checked. */
        if (!crypto_core_ed25519_is_valid_point(k->key))
            return fail(d, RN_EKEY, "provider.issuer_keys.key", at);
        for (uint32_t j = 0; j < i; j++)
            if (memcmp(keys[j].key, k->key, PROTO_KEY_BYTES) == 0)
                return fail(d, RN_EINCONSISTENT, "provider.issuer_keys.key", at);
        if ((rc = mp_read_uint(c, &k->valid_from_ms)) < 0)
            return fail(d, rc, "provider.issuer_keys.valid_from", at);
        if (k->valid_from_ms > RN_TIME_MS_MAX)
            return fail(d, RN_ETIME, "provider.issuer_keys.valid_from", at);
        if (mp_peek(c) == MP_NIL) {
            RN_ASSERT(mp_read_nil(c) == 0);
            k->valid_until_ms = 0;
            continue;
        }
        if ((rc = mp_read_uint(c, &k->valid_until_ms)) < 0)
            return fail(d, rc, "provider.issuer_keys.valid_until", at);
        if (k->valid_until_ms > RN_TIME_MS_MAX)
            return fail(d, RN_ETIME, "provider.issuer_keys.valid_until", at);
        if (k->valid_until_ms <= k->valid_from_ms)
            return fail(d, RN_EDATES, "provider.issuer_keys.valid_until", at);
    }
    *(uint32_t *)AT(base, f->aux) = n;
    return 0;
}

/* ---- Issuer keys of the later forms (PROTOCOL.md 3.4) ---- */

/* The value of a base64url digit (RFC 4648 section 5), or -1. */
static int b64u_val(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '-' ? 62 : c == '_' ? 63 : -1;
}

/* Reads canonical unpadded base64url at *p up to the next '"' (which it leaves *p on): digits
 * only, a length that is not 1 modulo 4, and the unused low bits of the last digit zero, so that
 * one byte string has one spelling. Decodes the first min(bytes, cap) bytes into out (may be
 * NULL when cap is 0). Returns the decoded length, or -1. */
static long b64u_read(const uint8_t **p, const uint8_t *end, uint8_t *out, size_t cap)
{
    const uint8_t *s = *p;
    size_t n = 0, bytes;
    uint32_t acc = 0;
    int bits = 0, v = 0;
    while (s + n < end && s[n] != '"') {
        if ((v = b64u_val(s[n])) < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            size_t at = (n * 6) / 8;
            if (at < cap)
                out[at] = (uint8_t)(acc >> bits);
        }
        n++;
    }
    if (s + n >= end || n == 0 || n % 4 == 1)
        return -1;
    if ((n % 4 == 2 && (v & 0x0f) != 0) || (n % 4 == 3 && (v & 0x03) != 0))
        return -1;
    bytes = n * 6 / 8;
    *p = s + n;
    return (long)bytes;
}

/* Consumes the literal `lit` at *p. */
static bool lit_read(const uint8_t **p, const uint8_t *end, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(end - *p) < n || memcmp(*p, lit, n) != 0)
        return false;
    *p += n;
    return true;
}

/* A JWK in its canonical text (record.h, proto_issuer_key_ext). Returns 0 or RN_EKEY. */
static int jwk_check(const uint8_t *s, size_t len)
{
    const uint8_t *p = s, *end = s + len;
    uint8_t first[4], x[32];
    long n;
    if (lit_read(&p, end, "{\"e\":\"")) {
        /* RSA: a public exponent of 1-4 bytes, odd and at least 3; a modulus of 2048-8192 bits
         * without leading zero bytes. */
        if ((n = b64u_read(&p, end, first, sizeof(first))) < 1 || n > 4 || first[0] == 0)
            return RN_EKEY;
        if ((first[n - 1] & 1u) == 0 || (n == 1 && first[0] < 3))
            return RN_EKEY;
        if (!lit_read(&p, end, "\",\"kty\":\"RSA\",\"n\":\""))
            return RN_EKEY;
        if ((n = b64u_read(&p, end, first, 1)) < 1 || first[0] == 0)
            return RN_EKEY;
        unsigned bits = (unsigned)n * 8u;
        for (uint8_t b = first[0]; (b & 0x80u) == 0; b = (uint8_t)(b << 1))
            bits--;
        if (bits < RN_ISSUER_RSA_BITS_MIN || bits > RN_ISSUER_RSA_BITS_MAX)
            return RN_EKEY;
    } else if (lit_read(&p, end, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"")) {
        if (b64u_read(&p, end, NULL, 0) != 32 || !lit_read(&p, end, "\",\"y\":\"") ||
            b64u_read(&p, end, NULL, 0) != 32)
            return RN_EKEY;
    } else if (lit_read(&p, end, "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"")) {
        if (b64u_read(&p, end, x, sizeof(x)) != 32 || !crypto_core_ed25519_is_valid_point(x))
            return RN_EKEY;
    } else {
        return RN_EKEY;
    }
    return lit_read(&p, end, "\"}") && p == end ? 0 : RN_EKEY;
}

static bool alnum(uint8_t b)
{
    return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9');
}

/* DID Core's syntax: idchar = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded; a fragment's pchar
 * adds "~", the sub-delims, ":" "@" "/" "?". `frag` selects the second set. At s[i] == '%',
 * checks the two hex digits that must follow. */
static bool did_char(const uint8_t *s, size_t len, size_t i, bool frag)
{
    uint8_t b = s[i];
    if (b == '%')
        return i + 2 < len && isxdigit(s[i + 1]) && isxdigit(s[i + 2]);
    if (alnum(b) || b == '.' || b == '-' || b == '_')
        return true;
    return frag && strchr("~!$&'()*+,;=:@/?", b) != NULL && b != '\0';
}

/* A did:key, did:jwk or did:web DID, or a DID URL of one with a fragment and nothing else (no
 * path, no query): the forms a verification method is named by. Returns 0 or RN_EKEY. */
static int did_check(const uint8_t *s, size_t len)
{
    static const char *const methods[] = { "did:key:", "did:jwk:", "did:web:" };
    size_t i = 0, m, frag = len;
    for (m = 0; m < 3 && !(len > 8 && memcmp(s, methods[m], 8) == 0); m++)
        ;
    if (m == 3)
        return RN_EKEY;
    for (i = 8; i < len; i++)
        if (s[i] == '#') {
            frag = i;
            break;
        }
    /* method-specific-id = *( *idchar ":" ) 1*idchar: colon-separated, the last part not empty */
    if (frag == 8 || s[frag - 1] == ':')
        return RN_EKEY;
    for (i = 8; i < frag; i++)
        if (s[i] != ':' && !did_char(s, frag, i, false))
            return RN_EKEY;
    /* did:key is a multibase base58btc key ("z..."), did:jwk base64url: neither has a colon. */
    if (m == 0 && (s[8] != 'z' || memchr(s + 8, ':', frag - 8) != NULL))
        return RN_EKEY;
    if (m == 1 && (memchr(s + 8, ':', frag - 8) != NULL || memchr(s + 8, '%', frag - 8) != NULL ||
                   memchr(s + 8, '.', frag - 8) != NULL))
        return RN_EKEY;
    if (frag < len) {
        if (frag + 1 == len)
            return RN_EKEY;
        for (i = frag + 1; i < len; i++)
            if (!did_char(s, len, i, true))
                return RN_EKEY;
    }
    return 0;
}

void proto_issuer_key_ext_id(const proto_issuer_key_ext *k, uint8_t out[PROTO_DIGEST_BYTES])
{
    static_assert(crypto_hash_sha256_BYTES == PROTO_DIGEST_BYTES, "a SHA-256 digest");
    crypto_hash_sha256(out, k->key.len > 0 ? k->key.ptr : (const uint8_t *)"", k->key.len);
}

static int read_keys_ext(mp_cur *c, const field *f, uint8_t *base, unsigned index, rn_diag *d)
{
    proto_issuer_key_ext *keys = AT(base, f->off);
    uint32_t n, m;
    uint64_t form;
    int rc;
    RN_TRY(list_header(c, f, false, &n, index, d));
    for (uint32_t i = 0; i < n; i++) {
        proto_issuer_key_ext *k = &keys[i];
        unsigned at = i + 1;
        if ((rc = mp_read_array(c, &m)) < 0)
            return fail(d, rc, f->name, at);
        if (m != 4)
            return fail(d, RN_ECOUNT, f->name, at);
        if ((rc = mp_read_uint(c, &form)) < 0)
            return fail(d, rc, "provider.issuer_keys_ext.form", at);
        if (form < 1 || form > N_KEY_FORM)
            return fail(d, RN_EENUM, "provider.issuer_keys_ext.form", at);
        k->form = (uint32_t)form;
        rc =
            read_str(c, PROTO_FT_TEXT,
                     form == PROTO_KEY_FORM_JWK ? RN_ISSUER_JWK_BYTES_MAX : RN_ISSUER_DID_BYTES_MAX,
                     &k->key);
        if (rc == 0)
            rc = form == PROTO_KEY_FORM_JWK ? jwk_check(k->key.ptr, k->key.len)
                                            : did_check(k->key.ptr, k->key.len);
        if (rc < 0)
            return fail(d, rc, "provider.issuer_keys_ext.key", at);
        for (uint32_t j = 0; j < i; j++)
            if (keys[j].form == k->form && proto_str_eq(keys[j].key, k->key))
                return fail(d, RN_EINCONSISTENT, "provider.issuer_keys_ext.key", at);
        if ((rc = mp_read_uint(c, &k->valid_from_ms)) < 0)
            return fail(d, rc, "provider.issuer_keys_ext.valid_from", at);
        if (k->valid_from_ms > RN_TIME_MS_MAX)
            return fail(d, RN_ETIME, "provider.issuer_keys_ext.valid_from", at);
        if (mp_peek(c) == MP_NIL) {
            RN_ASSERT(mp_read_nil(c) == 0);
            k->valid_until_ms = 0;
            continue;
        }
        if ((rc = mp_read_uint(c, &k->valid_until_ms)) < 0)
            return fail(d, rc, "provider.issuer_keys_ext.valid_until", at);
        if (k->valid_until_ms > RN_TIME_MS_MAX)
            return fail(d, RN_ETIME, "provider.issuer_keys_ext.valid_until", at);
        if (k->valid_until_ms <= k->valid_from_ms)
            return fail(d, RN_EDATES, "provider.issuer_keys_ext.valid_until", at);
    }
    *(uint32_t *)AT(base, f->aux) = n;
    return 0;
}

static int decode_field(mp_cur *c, const field *f, uint8_t *base, unsigned index, rn_diag *d)
{
    uint64_t v;
    uint32_t n;
    int rc;

    switch (f->type) {
    case PROTO_FT_ID:
    case PROTO_FT_TEXT:
    case PROTO_FT_URL:
    case PROTO_FT_URI:
    case PROTO_FT_COUNTRY:
    case PROTO_FT_LANG:
    case PROTO_FT_ISCED:
        /* Cleared whole, padding included, as clear_field would: the struct's bytes do not depend
         * on whether a field was cleared before it was read. */
        memset(AT(base, f->off), 0, sizeof(proto_str));
        if ((rc = read_str(c, f->type, str_max(f->type, f->max), AT(base, f->off))) < 0)
            return fail(d, rc, f->name, index);
        return 0;
    case PROTO_FT_NUM:
        /* An optional number without a has-flag is absent when 0, so 0 must be out of range. */
        RN_ASSERT(f->req || f->aux >= 0 || f->min >= 1);
        if ((rc = read_uint(c, &v)) < 0)
            return fail(d, rc, f->name, index);
        if (v < f->min || v > f->max)
            return fail(d, f->err, f->name, index);
        *(uint32_t *)AT(base, f->off) = (uint32_t)v;
        if (f->aux >= 0)
            *(bool *)AT(base, f->aux) = true;
        return 0;
    case PROTO_FT_TIME:
        if ((rc = read_uint(c, &v)) < 0)
            return fail(d, rc, f->name, index);
        if (v > RN_TIME_MS_MAX)
            return fail(d, RN_ETIME, f->name, index);
        /* The optional times are the valid_until fields, which follow a valid_from >= 0: a
         * present 0 is an empty range, and refusing it keeps 0 free to mean "absent". */
        if (!f->req && v == 0)
            return fail(d, RN_EDATES, f->name, index);
        *(uint64_t *)AT(base, f->off) = v;
        return 0;
    case PROTO_FT_VOCAB:
        if ((rc = read_uint(c, &v)) < 0)
            return fail(d, rc, f->name, index);
        if (!proto_codes_vocab_valid((proto_vocab)f->err, v))
            return fail(d, RN_EVOCAB, f->name, index);
        *(uint32_t *)AT(base, f->off) = (uint32_t)v;
        return 0;
    case PROTO_FT_BOOL:
        if ((rc = mp_read_bool(c, AT(base, f->off))) < 0)
            return fail(d, rc, f->name, index);
        return 0;
    case PROTO_FT_DIGEST:
        /* Cleared first: the reader may set the pointer before it refuses the length. */
        *(const uint8_t **)AT(base, f->off) = NULL;
        if ((rc = mp_read_bin_exact(c, AT(base, f->off), PROTO_DIGEST_BYTES)) < 0)
            return fail(d, rc, f->name, index);
        return 0;
    case PROTO_FT_BIN: {
        proto_str *out = AT(base, f->off);
        const uint8_t *b;
        memset(out, 0, sizeof(*out)); /* padding included, as above */
        if ((rc = mp_read_bin(c, &b, &n)) < 0)
            return fail(d, rc, f->name, index);
        if (n == 0 || n > f->max)
            return fail(d, RN_ELEN, f->name, index);
        out->ptr = b;
        out->len = n;
        return 0;
    }
    case PROTO_FT_SEQ:
        RN_ASSERT(f->req);
        if ((rc = read_uint(c, &v)) < 0)
            return fail(d, rc, f->name, index);
        if (v > RN_SEQ_MAX)
            return fail(d, RN_ESEQ, f->name, index);
        *(uint64_t *)AT(base, f->off) = v;
        return 0;
    case PROTO_FT_LIST: {
        proto_str *items = AT(base, f->off);
        RN_TRY(list_header(c, f, false, &n, index, d));
        for (uint32_t i = 0; i < n; i++) {
            if ((rc = read_str(c, f->elem, str_max(f->elem, 0), &items[i])) < 0)
                return fail(d, rc, f->name, i + 1);
            for (uint32_t j = 0; j < i; j++)
                if (proto_str_eq(items[j], items[i]))
                    return fail(d, RN_EINCONSISTENT, f->name, i + 1);
        }
        *(uint32_t *)AT(base, f->aux) = n;
        return 0;
    }
    case PROTO_FT_TITLE: {
        proto_lang_text *items = AT(base, f->off);
        RN_TRY(list_header(c, f, true, &n, index, d));
        for (uint32_t i = 0; i < n; i++) {
            if ((rc = read_str(c, PROTO_FT_LANG, 2, &items[i].lang)) < 0)
                return fail(d, rc, f->name, i + 1);
            /* Map keys strictly ascending, bytewise: one spelling per title. */
            if (i > 0 && memcmp(items[i - 1].lang.ptr, items[i].lang.ptr, 2) >= 0)
                return fail(d, RN_EFIELDORDER, f->name, i + 1);
            if ((rc = read_str(c, PROTO_FT_TEXT, f->text_max, &items[i].text)) < 0)
                return fail(d, rc, f->name, i + 1);
        }
        *(uint32_t *)AT(base, f->aux) = n;
        return 0;
    }
    case PROTO_FT_MAPS: {
        uint8_t *items = AT(base, f->off);
        RN_TRY(list_header(c, f, false, &n, index, d));
        for (uint32_t i = 0; i < n; i++) {
            RN_TRY(decode_map(c, f->sub, items + i * f->sub->size, i + 1, d, NULL));
        }
        *(uint32_t *)AT(base, f->aux) = n;
        return 0;
    }
    case PROTO_FT_MAP: {
        uint32_t pairs;
        RN_TRY(decode_map(c, f->sub, AT(base, f->off), index, d, &pairs));
        if (pairs == 0)
            return fail(d, RN_ECOUNT, f->name, index);
        return 0;
    }
    case PROTO_FT_KEYS:
        return read_keys(c, f, base, index, d);
    case PROTO_FT_KEYS_EXT:
        return read_keys_ext(c, f, base, index, d);
    default:
        RN_ASSERT(0 && "unknown field type");
        return RN_EINVAL;
    }
}

/*
 * Makes field `f` of the struct at `base` read as absent: a string empty, a number, time or flag
 * 0, a list of 0 items, every field of a nested map absent. Only what a reader looks at is
 * written: a list's items past its count are never read, so they are left alone. A spec's struct
 * is some 48 KiB, nearly all of it room for items, and decoding touches only what the body holds:
 * zeroing the whole struct cost more than the decoding itself.
 */
static void clear_field(const field *f, uint8_t *base)
{
    switch (f->type) {
    case PROTO_FT_ID:
    case PROTO_FT_TEXT:
    case PROTO_FT_URL:
    case PROTO_FT_URI:
    case PROTO_FT_COUNTRY:
    case PROTO_FT_LANG:
    case PROTO_FT_ISCED:
    case PROTO_FT_BIN:
        memset(AT(base, f->off), 0, sizeof(proto_str));
        break;
    case PROTO_FT_SEQ:
        memset(AT(base, f->off), 0, sizeof(uint64_t));
        break;
    case PROTO_FT_NUM:
    case PROTO_FT_VOCAB:
        memset(AT(base, f->off), 0, sizeof(uint32_t));
        if (f->aux >= 0)
            memset(AT(base, f->aux), 0, sizeof(bool));
        break;
    case PROTO_FT_TIME:
        memset(AT(base, f->off), 0, sizeof(uint64_t));
        break;
    case PROTO_FT_BOOL:
        memset(AT(base, f->off), 0, sizeof(bool));
        break;
    case PROTO_FT_DIGEST:
        memset(AT(base, f->off), 0, sizeof(const uint8_t *));
        break;
    case PROTO_FT_LIST:
    case PROTO_FT_TITLE:
    case PROTO_FT_MAPS:
    case PROTO_FT_KEYS:
    case PROTO_FT_KEYS_EXT:
        RN_ASSERT(f->aux >= 0);
        memset(AT(base, f->aux), 0, sizeof(uint32_t));
        break;
    case PROTO_FT_MAP:
        for (unsigned fi = 0; fi < f->sub->n; fi++)
            clear_field(&f->sub->f[fi], AT(base, f->off));
        break;
    default:
        RN_ASSERT(0 && "unknown field type");
    }
}

/*
 * Decodes one map described by `t` into the struct at `base`: keys strictly ascending, each known,
 * each value by its field, then every required field present. `index` is the list position of
 * the map (0 at the top level). `pairs_out` (may be NULL) gets the number of fields read.
 *
 * Keys ascend, as the rows of a table do (record_test checks every table), so one walk down the
 * rows serves the whole map: a key's row is at or after the row following the previous key's,
 * and the rows passed over on the way are the fields the map leaves out, which are cleared there
 * and checked for being required. Every field the map does not set reads as absent, on success
 * and on refusal alike (the rows not reached are cleared on the way out), so that the struct
 * holds what clearing all of it first and then decoding would leave: a field is cleared unless
 * decoding writes all of it, and decoding writes nothing of a field it refuses, but for a digest,
 * which its reader may have set before it refused its length (decode_field clears it first), and
 * a nested map, which its own walk leaves as it should.
 */
static int decode_map(mp_cur *c, const ftab *t, uint8_t *base, unsigned index, rn_diag *d,
                      uint32_t *pairs_out)
{
    const field *rows = t->f;
    const unsigned nrows = t->n;
    uint32_t n;
    uint64_t key, prev = 0;
    unsigned fi = 0, missing = nrows;
    int rc;

    /* A map of more pairs than the table has fields repeats a key or has an unknown one; the
     * loop finds which, and each pair costs at least two bytes, so n is bounded by the input. */
    if ((rc = mp_read_map(c, &n)) < 0) {
        rc = fail(d, rc, t->name, index);
        goto refused;
    }
    for (uint32_t i = 0; i < n; i++) {
        if ((rc = read_uint(c, &key)) < 0) {
            rc = fail(d, rc, t->name, index);
            goto refused;
        }
        if (i > 0 && key <= prev) {
            rc = fail(d, RN_EFIELDORDER, t->name, index);
            goto refused;
        }
        for (; fi < nrows && rows[fi].key < key; fi++) {
            if (rows[fi].req && missing == nrows)
                missing = fi;
            clear_field(&rows[fi], base);
        }
        if (fi == nrows || rows[fi].key != key) {
            rc = fail(d, RN_EUNKNOWNFIELD, t->name, index);
            goto refused;
        }
        if ((rc = decode_field(c, &rows[fi], base, index, d)) < 0) {
            if (rows[fi].type != PROTO_FT_DIGEST && rows[fi].type != PROTO_FT_MAP)
                clear_field(&rows[fi], base);
            fi++;
            goto refused;
        }
        fi++;
        prev = key;
    }
    for (; fi < nrows; fi++) {
        if (rows[fi].req && missing == nrows)
            missing = fi;
        clear_field(&rows[fi], base);
    }
    if (missing != nrows)
        return fail(d, RN_EMISSING, rows[missing].name, index);
    if (pairs_out != NULL)
        *pairs_out = n;
    return 0;

refused:
    for (; fi < nrows; fi++)
        clear_field(&rows[fi], base);
    return rc;
}

/* ---- Consistency checks: one per kind, over fields that decoded well on their own ---- */

static int check_dates(uint64_t from, uint64_t until, const char *name, rn_diag *d)
{
    if (until != 0 && until <= from)
        return fail(d, RN_EDATES, name, 0);
    return 0;
}

/* Returns 1 + the position in `b` of the first item of `a` found there, or 0. */
static unsigned first_common(const proto_str *a, uint32_t na, const proto_str *b, uint32_t nb)
{
    for (uint32_t i = 0; i < nb; i++)
        for (uint32_t j = 0; j < na; j++)
            if (proto_str_eq(a[j], b[i]))
                return i + 1;
    return 0;
}

static int check_provider(const proto_record *r, rn_diag *d)
{
    const proto_provider *p = &r->u.provider;
    /* An accredited body names who accredited it. */
    if (p->qa_status == PROTO_QA_ACCREDITED && p->qa_body.len == 0)
        return fail(d, RN_EINCONSISTENT, "provider.qa_body", 0);
    return 0;
}

static int check_spec(const proto_record *r, rn_diag *d)
{
    const proto_spec *s = &r->u.spec;
    unsigned at;
    /* A stand-alone micro-credential is not integrated into another credential. */
    if (s->stackability == PROTO_STACK_STAND_ALONE && s->part_of_n > 0)
        return fail(d, RN_EINCONSISTENT, "spec.part_of", 0);
    if ((at = first_common(&s->id, 1, s->part_of, s->part_of_n)) != 0)
        return fail(d, RN_EINCONSISTENT, "spec.part_of", at);
    return check_dates(s->valid_from_ms, s->valid_until_ms, "spec.valid_until", d);
}

static int check_decision(const proto_record *r, rn_diag *d)
{
    const proto_decision *x = &r->u.decision;
    for (uint32_t i = 0; i < x->differences_n; i++)
        for (uint32_t j = 0; j < i; j++)
            if (x->differences[j].type == x->differences[i].type)
                return fail(d, RN_EINCONSISTENT, "decision.differences.type", i + 1);
    /* Lisbon Recognition Convention: recognition is the rule, and a partial recognition or a
     * denial names the substantial differences it rests on. */
    if ((x->outcome == PROTO_OUTCOME_PARTIAL || x->outcome == PROTO_OUTCOME_DENIED) &&
        x->differences_n == 0)
        return fail(d, RN_EINCONSISTENT, "decision.differences", 0);
    /* A denial recognises nothing. */
    if (x->outcome == PROTO_OUTCOME_DENIED && x->has_ects && x->ects_centi > 0)
        return fail(d, RN_EINCONSISTENT, "decision.ects", 0);
    if (x->outcome == PROTO_OUTCOME_DENIED && x->eqf != 0)
        return fail(d, RN_EINCONSISTENT, "decision.eqf", 0);
    if (x->outcome == PROTO_OUTCOME_CONDITIONAL && x->conditions.len == 0)
        return fail(d, RN_EINCONSISTENT, "decision.conditions", 0);
    if (proto_str_eq(x->supersedes, x->id))
        return fail(d, RN_EINCONSISTENT, "decision.supersedes", 0);
    return check_dates(x->valid_from_ms, x->valid_until_ms, "decision.valid_until", d);
}

static int check_policy(const proto_record *r, rn_diag *d)
{
    const proto_policy *p = &r->u.policy;
    if (p->eqf_min != 0 && p->eqf_max != 0 && p->eqf_min > p->eqf_max)
        return fail(d, RN_EINCONSISTENT, "policy.eqf_max", 0);
    if (p->outcome == PROTO_OUTCOME_CONDITIONAL && p->conditions.len == 0)
        return fail(d, RN_EINCONSISTENT, "policy.conditions", 0);
    return check_dates(p->valid_from_ms, p->valid_until_ms, "policy.valid_until", d);
}

static bool map_present(const ftab *t, const uint8_t *base);

static int check_pathway(const proto_record *r, rn_diag *d)
{
    const proto_pathway *p = &r->u.pathway;
    unsigned at;
    bool has_rule = map_present(&rule_tab, (const uint8_t *)&p->rule);
    /* A pathway says which specs count towards it, one way or another. */
    if (p->mandatory_n == 0 && p->eligible_n == 0 && !has_rule)
        return fail(d, RN_EINCONSISTENT, "pathway", 0);
    if (p->rule.eqf_min != 0 && p->rule.eqf_max != 0 && p->rule.eqf_min > p->rule.eqf_max)
        return fail(d, RN_EINCONSISTENT, "pathway.rule.eqf_max", 0);
    /* A spec is mandatory or eligible, not both. */
    if ((at = first_common(p->mandatory, p->mandatory_n, p->eligible, p->eligible_n)) != 0)
        return fail(d, RN_EINCONSISTENT, "pathway.eligible", at);
    return check_dates(p->valid_from_ms, p->valid_until_ms, "pathway.valid_until", d);
}

static int check_revocation(const proto_record *r, rn_diag *d)
{
    (void)r;
    (void)d;
    return 0;
}

/* The change of a roster record decodes (its form, PROTOCOL.md 4.4) and carries a signature:
 * every roster entry is at least its author's approval. Its errors are the change decoder's,
 * named "roster.change". */
static int check_roster(const proto_record *r, rn_diag *d)
{
    proto_rc_change c; /* some 7 KB, a seventh of what a proto_record takes */
    int rc =
        proto_rosterchain_change_decode(&c, r->u.roster.change.ptr, r->u.roster.change.len, NULL);
    if (rc == 0 && c.sigs_n == 0)
        rc = RN_EINCONSISTENT;
    return rc < 0 ? fail(d, rc, "roster.change", 0) : 0;
}

static int check_succession(const proto_record *r, rn_diag *d)
{
    const proto_succession *s = &r->u.succession;
    /* As a roster key (PROTOCOL.md 4.1): a predecessor is a key that was a member. */
    if (!crypto_core_ed25519_is_valid_point(s->predecessor))
        return fail(d, RN_EKEY, "succession.predecessor", 0);
    /* The last kept entry is named by its id exactly when there is one. */
    if ((s->last_seq > 0) != (s->last_id != NULL))
        return fail(d, RN_EINCONSISTENT, "succession.last_id", 0);
    return 0;
}

/* ---- The kind table ---- */

/* A field whose country prefix must be the author's. */
typedef struct author_field {
    const char *name;
    uint16_t off; /* of a proto_str in the kind's struct */
} author_field;

#define AUTHOR_FIELDS_MAX 2

typedef struct kind_desc {
    const ftab *tab;
    int (*check)(const proto_record *r, rn_diag *d);
    author_field author[AUTHOR_FIELDS_MAX]; /* name NULL: unused */
    uint16_t id_off;                        /* the proto_str the record is known by */
    bool no_id;                             /* the kind has no id (roster, succession) */
} kind_desc;

static const kind_desc kinds[PROTO_KIND_MAX + 1] = {
    [PROTO_KIND_PROVIDER] = { &provider_tab,
                              check_provider,
                              { { "provider.id", OFF(proto_provider, id) },
                                { "provider.country", OFF(proto_provider, country) } },
                              OFF(proto_provider, id),
                              false },
    [PROTO_KIND_SPEC] = { &spec_tab,
                          check_spec,
                          { { "spec.id", OFF(proto_spec, id) },
                            { "spec.provider", OFF(proto_spec, provider) } },
                          OFF(proto_spec, id),
                          false },
    [PROTO_KIND_DECISION] = { &decision_tab,
                              check_decision,
                              { { "decision.id", OFF(proto_decision, id) },
                                { "decision.supersedes", OFF(proto_decision, supersedes) } },
                              OFF(proto_decision, id),
                              false },
    [PROTO_KIND_POLICY] = { &policy_tab,
                            check_policy,
                            { { "policy.id", OFF(proto_policy, id) } },
                            OFF(proto_policy, id),
                            false },
    [PROTO_KIND_PATHWAY] = { &pathway_tab,
                             check_pathway,
                             { { "pathway.id", OFF(proto_pathway, id) } },
                             OFF(proto_pathway, id),
                             false },
    [PROTO_KIND_REVOCATION] = { &revocation_tab,
                                check_revocation,
                                { { "revocation.provider", OFF(proto_revocation, provider) } },
                                OFF(proto_revocation, provider),
                                false },
    [PROTO_KIND_ROSTER] = { &roster_tab, check_roster, { { NULL, 0 } }, 0, true },
    [PROTO_KIND_SUCCESSION] = { &succession_tab, check_succession, { { NULL, 0 } }, 0, true },
};

static const kind_desc *kind_find(int kind)
{
    if (kind < PROTO_KIND_MIN || kind > PROTO_KIND_MAX)
        return NULL;
    return &kinds[kind];
}

const proto_fields *proto_record_fields(proto_kind kind)
{
    const kind_desc *k = kind_find((int)kind);
    return k != NULL ? k->tab : NULL;
}

const proto_field *proto_fields_find(const proto_fields *t, const char *name, size_t len)
{
    for (unsigned i = 0; i < t->n; i++) {
        const proto_field *f = &t->f[i];
        if (strlen(f->json) == len && memcmp(f->json, name, len) == 0)
            return f;
    }
    return NULL;
}

int proto_record_decode(proto_record *r, proto_kind kind, const uint8_t *body, size_t len,
                        rn_diag *d)
{
    const kind_desc *k = kind_find((int)kind);
    mp_cur c;

    if (k == NULL)
        return fail(d, RN_EKIND, NULL, 0);
    if (len > RN_RECORD_BYTES_MAX)
        return fail(d, RN_ETOOBIG, k->tab->name, 0);
    /* Absent fields read as zero (decode_map clears them: not the lists' unused room). */
    r->kind = kind;
    mp_cur_init(&c, body, len);
    RN_TRY(decode_map(&c, k->tab, (uint8_t *)&r->u, 0, d, NULL));
    if (c.p != c.end)
        return fail(d, RN_ETRAILING, k->tab->name, 0);
    return k->check(r, d);
}

int proto_record_check_author(const proto_record *r, const char country[2], rn_diag *d)
{
    const kind_desc *k = kind_find((int)r->kind);
    const proto_country *cc = proto_country_find(country, 2);
    if (cc == NULL)
        return fail(d, RN_ECOUNTRY, NULL, 0);
    RN_ASSERT(k != NULL);
    for (unsigned i = 0; i < AUTHOR_FIELDS_MAX && k->author[i].name != NULL; i++) {
        const proto_str *s = CAT((const uint8_t *)&r->u, k->author[i].off);
        if (s->len == 0) /* an absent optional field (supersedes) */
            continue;
        if (s->len < 2 || memcmp(s->ptr, cc->alpha2, 2) != 0)
            return fail(d, RN_EPREFIX, k->author[i].name, 0);
    }
    return 0;
}

proto_str proto_record_id(const proto_record *r)
{
    const kind_desc *k = kind_find((int)r->kind);
    RN_ASSERT(k != NULL);
    if (k->no_id)
        return (proto_str){ NULL, 0 };
    return *(const proto_str *)CAT((const uint8_t *)&r->u, k->id_off);
}

bool proto_kind_is_registry(int kind)
{
    return kind >= PROTO_KIND_PROVIDER && kind <= PROTO_KIND_REVOCATION;
}

/* True if the change document buf[0..len) carries a signature by `key`: the document's
 * signature list is walked without decoding the body (the caller decoded it before). */
static bool change_signed_by(const uint8_t *buf, size_t len, const uint8_t *key)
{
    mp_cur c;
    uint32_t n, m;
    mp_cur_init(&c, buf, len);
    if (mp_read_array(&c, &n) < 0 || n != 2 || mp_skip(&c) < 0 || mp_read_array(&c, &n) < 0)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *k, *sig;
        if (mp_read_array(&c, &m) < 0 || m != 2 || mp_read_bin_exact(&c, &k, PROTO_KEY_BYTES) < 0 ||
            mp_read_bin_exact(&c, &sig, PROTO_SIG_BYTES) < 0)
            return false;
        if (memcmp(k, key, PROTO_KEY_BYTES) == 0)
            return true;
    }
    return false;
}

int proto_record_check_signer(const proto_record *r, const uint8_t author[PROTO_KEY_BYTES],
                              rn_diag *d)
{
    if (r->kind != PROTO_KIND_ROSTER)
        return 0;
    if (!change_signed_by(r->u.roster.change.ptr, r->u.roster.change.len, author))
        return fail(d, RN_EINCONSISTENT, "roster.change", 0);
    return 0;
}

/* ---- Encoding ---- */

static void put_str(mp_buf *b, proto_str s)
{
    /* msgpack-c copies the body with memcpy, which must not see a NULL pointer. */
    mp_put_str(b, s.len > 0 ? (const void *)s.ptr : "", s.len);
}

static uint32_t count_of(const field *f, const uint8_t *base)
{
    return *(const uint32_t *)CAT(base, f->aux);
}

/* True if the field is on the wire: required fields always are, optional ones when not empty. */
static bool field_present(const field *f, const uint8_t *base)
{
    if (f->req)
        return true;
    switch (f->type) {
    case PROTO_FT_ID:
    case PROTO_FT_TEXT:
    case PROTO_FT_URL:
    case PROTO_FT_URI:
    case PROTO_FT_COUNTRY:
    case PROTO_FT_LANG:
    case PROTO_FT_ISCED:
    case PROTO_FT_BIN:
        return ((const proto_str *)CAT(base, f->off))->len > 0;
    case PROTO_FT_NUM:
        if (f->aux >= 0)
            return *(const bool *)CAT(base, f->aux);
        return *(const uint32_t *)CAT(base, f->off) != 0;
    case PROTO_FT_TIME:
        return *(const uint64_t *)CAT(base, f->off) != 0;
    case PROTO_FT_DIGEST:
        return *(const uint8_t *const *)CAT(base, f->off) != NULL;
    case PROTO_FT_LIST:
    case PROTO_FT_TITLE:
    case PROTO_FT_MAPS:
    case PROTO_FT_KEYS:
    case PROTO_FT_KEYS_EXT:
        return count_of(f, base) > 0;
    case PROTO_FT_MAP:
        return map_present(f->sub, CAT(base, f->off));
    case PROTO_FT_VOCAB:
    case PROTO_FT_BOOL:
    default:
        return true;
    }
}

static bool map_present(const ftab *t, const uint8_t *base)
{
    for (unsigned i = 0; i < t->n; i++)
        if (field_present(&t->f[i], base))
            return true;
    return false;
}

static int encode_map(mp_buf *b, const ftab *t, const uint8_t *base);

static int encode_field(mp_buf *b, const field *f, const uint8_t *base)
{
    uint32_t n;
    switch (f->type) {
    case PROTO_FT_ID:
    case PROTO_FT_TEXT:
    case PROTO_FT_URL:
    case PROTO_FT_URI:
    case PROTO_FT_COUNTRY:
    case PROTO_FT_LANG:
    case PROTO_FT_ISCED:
        put_str(b, *(const proto_str *)CAT(base, f->off));
        return 0;
    case PROTO_FT_BIN: {
        proto_str s = *(const proto_str *)CAT(base, f->off);
        mp_put_bin(b, s.len > 0 ? (const void *)s.ptr : "", s.len);
        return 0;
    }
    case PROTO_FT_SEQ:
        mp_put_uint(b, *(const uint64_t *)CAT(base, f->off));
        return 0;
    case PROTO_FT_NUM:
    case PROTO_FT_VOCAB:
        mp_put_uint(b, *(const uint32_t *)CAT(base, f->off));
        return 0;
    case PROTO_FT_TIME:
        mp_put_uint(b, *(const uint64_t *)CAT(base, f->off));
        return 0;
    case PROTO_FT_BOOL:
        mp_put_bool(b, *(const bool *)CAT(base, f->off));
        return 0;
    case PROTO_FT_DIGEST: {
        const uint8_t *p = *(const uint8_t *const *)CAT(base, f->off);
        if (p == NULL)
            mp_put_nil(b); /* refused by the decoder as RN_ETYPE */
        else
            mp_put_bin(b, p, PROTO_DIGEST_BYTES);
        return 0;
    }
    case PROTO_FT_LIST: {
        const proto_str *items = CAT(base, f->off);
        if ((n = count_of(f, base)) > f->max)
            return RN_ECOUNT;
        mp_put_array(b, n);
        for (uint32_t i = 0; i < n; i++)
            put_str(b, items[i]);
        return 0;
    }
    case PROTO_FT_TITLE: {
        const proto_lang_text *items = CAT(base, f->off);
        if ((n = count_of(f, base)) > f->max)
            return RN_ECOUNT;
        mp_put_map(b, n);
        for (uint32_t i = 0; i < n; i++) {
            put_str(b, items[i].lang);
            put_str(b, items[i].text);
        }
        return 0;
    }
    case PROTO_FT_MAPS: {
        const uint8_t *items = CAT(base, f->off);
        if ((n = count_of(f, base)) > f->max)
            return RN_ECOUNT;
        mp_put_array(b, n);
        for (uint32_t i = 0; i < n; i++)
            RN_TRY(encode_map(b, f->sub, items + i * f->sub->size));
        return 0;
    }
    case PROTO_FT_MAP:
        return encode_map(b, f->sub, CAT(base, f->off));
    case PROTO_FT_KEYS: {
        const proto_issuer_key *keys = CAT(base, f->off);
        if ((n = count_of(f, base)) > f->max)
            return RN_ECOUNT;
        mp_put_array(b, n);
        for (uint32_t i = 0; i < n; i++) {
            mp_put_array(b, 3);
            if (keys[i].key == NULL)
                mp_put_nil(b);
            else
                mp_put_bin(b, keys[i].key, PROTO_KEY_BYTES);
            mp_put_uint(b, keys[i].valid_from_ms);
            if (keys[i].valid_until_ms == 0)
                mp_put_nil(b);
            else
                mp_put_uint(b, keys[i].valid_until_ms);
        }
        return 0;
    }
    case PROTO_FT_KEYS_EXT: {
        const proto_issuer_key_ext *keys = CAT(base, f->off);
        if ((n = count_of(f, base)) > f->max)
            return RN_ECOUNT;
        mp_put_array(b, n);
        for (uint32_t i = 0; i < n; i++) {
            mp_put_array(b, 4);
            mp_put_uint(b, keys[i].form);
            put_str(b, keys[i].key);
            mp_put_uint(b, keys[i].valid_from_ms);
            if (keys[i].valid_until_ms == 0)
                mp_put_nil(b);
            else
                mp_put_uint(b, keys[i].valid_until_ms);
        }
        return 0;
    }
    default:
        RN_ASSERT(0 && "unknown field type");
        return RN_EINVAL;
    }
}

static int encode_map(mp_buf *b, const ftab *t, const uint8_t *base)
{
    uint32_t n = 0;
    for (unsigned i = 0; i < t->n; i++)
        n += field_present(&t->f[i], base);
    mp_put_map(b, n);
    for (unsigned i = 0; i < t->n; i++) {
        if (!field_present(&t->f[i], base))
            continue;
        mp_put_uint(b, t->f[i].key);
        RN_TRY(encode_field(b, &t->f[i], base));
    }
    return 0;
}

/* Encodes, then decodes what was written (with `d`) and asserts it equals `r`. */
static int encode_checked(const proto_record *r, mp_buf *out, rn_diag *d)
{
    const kind_desc *k = kind_find((int)r->kind);
    size_t start = out->len, max = out->max;
    int rc;
    proto_record check;

    if (k == NULL)
        return fail(d, RN_EKIND, NULL, 0);
    if (out->err != 0)
        return out->err;
    if (max - start > RN_RECORD_BYTES_MAX)
        out->max = start + RN_RECORD_BYTES_MAX;
    rc = encode_map(out, k->tab, (const uint8_t *)&r->u);
    out->max = max;
    if (rc < 0) {
        rc = fail(d, rc, k->tab->name, 0);
    } else if ((rc = mp_buf_err(out)) < 0) {
        rc = fail(d, rc, k->tab->name, 0);
    } else {
        rc = proto_record_decode(&check, r->kind, out->data + start, out->len - start, d);
        /* Pair assertion: what we write is what a reader gets back. */
        if (rc == 0)
            RN_ASSERT(proto_record_equal(&check, r));
    }
    if (rc < 0) {
        out->len = start;
        out->err = 0;
    }
    return rc;
}

int proto_record_encode(const proto_record *r, mp_buf *out)
{
    return encode_checked(r, out, NULL);
}

int proto_record_validate(const proto_record *r, rn_diag *d)
{
    mp_buf b;
    mp_buf_init(&b, RN_RECORD_BYTES_MAX);
    int rc = encode_checked(r, &b, d);
    mp_buf_free(&b);
    return rc;
}

/* ---- Equality ---- */

static bool eq_map(const ftab *t, const uint8_t *a, const uint8_t *b);

static bool eq_field(const field *f, const uint8_t *a, const uint8_t *b)
{
    uint32_t n;
    switch (f->type) {
    case PROTO_FT_ID:
    case PROTO_FT_TEXT:
    case PROTO_FT_URL:
    case PROTO_FT_URI:
    case PROTO_FT_COUNTRY:
    case PROTO_FT_LANG:
    case PROTO_FT_ISCED:
    case PROTO_FT_BIN:
        return proto_str_eq(*(const proto_str *)CAT(a, f->off), *(const proto_str *)CAT(b, f->off));
    case PROTO_FT_SEQ:
        return *(const uint64_t *)CAT(a, f->off) == *(const uint64_t *)CAT(b, f->off);
    case PROTO_FT_NUM:
        /* An absent optional number equals another whatever the value beside its flag. */
        if (f->aux >= 0) {
            bool ha = *(const bool *)CAT(a, f->aux), hb = *(const bool *)CAT(b, f->aux);
            if (ha != hb)
                return false;
            if (!ha)
                return true;
        }
        return *(const uint32_t *)CAT(a, f->off) == *(const uint32_t *)CAT(b, f->off);
    case PROTO_FT_VOCAB:
        return *(const uint32_t *)CAT(a, f->off) == *(const uint32_t *)CAT(b, f->off);
    case PROTO_FT_TIME:
        return *(const uint64_t *)CAT(a, f->off) == *(const uint64_t *)CAT(b, f->off);
    case PROTO_FT_BOOL:
        return *(const bool *)CAT(a, f->off) == *(const bool *)CAT(b, f->off);
    case PROTO_FT_DIGEST: {
        const uint8_t *pa = *(const uint8_t *const *)CAT(a, f->off);
        const uint8_t *pb = *(const uint8_t *const *)CAT(b, f->off);
        if (pa == NULL || pb == NULL)
            return pa == pb;
        return memcmp(pa, pb, PROTO_DIGEST_BYTES) == 0;
    }
    default:
        break;
    }
    /* Lists and maps. */
    if (f->type == PROTO_FT_MAP)
        return eq_map(f->sub, CAT(a, f->off), CAT(b, f->off));
    n = count_of(f, a);
    if (n != count_of(f, b) || n > f->max)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        bool same;
        switch (f->type) {
        case PROTO_FT_LIST:
            same = proto_str_eq(((const proto_str *)CAT(a, f->off))[i],
                                ((const proto_str *)CAT(b, f->off))[i]);
            break;
        case PROTO_FT_TITLE: {
            const proto_lang_text *x = (const proto_lang_text *)CAT(a, f->off) + i;
            const proto_lang_text *y = (const proto_lang_text *)CAT(b, f->off) + i;
            same = proto_str_eq(x->lang, y->lang) && proto_str_eq(x->text, y->text);
            break;
        }
        case PROTO_FT_MAPS:
            same = eq_map(f->sub, (const uint8_t *)CAT(a, f->off) + i * f->sub->size,
                          (const uint8_t *)CAT(b, f->off) + i * f->sub->size);
            break;
        case PROTO_FT_KEYS: {
            const proto_issuer_key *x = (const proto_issuer_key *)CAT(a, f->off) + i;
            const proto_issuer_key *y = (const proto_issuer_key *)CAT(b, f->off) + i;
            same =
                x->valid_from_ms == y->valid_from_ms && x->valid_until_ms == y->valid_until_ms &&
                ((x->key == NULL || y->key == NULL) ? x->key == y->key
                                                    : memcmp(x->key, y->key, PROTO_KEY_BYTES) == 0);
            break;
        }
        case PROTO_FT_KEYS_EXT: {
            const proto_issuer_key_ext *x = (const proto_issuer_key_ext *)CAT(a, f->off) + i;
            const proto_issuer_key_ext *y = (const proto_issuer_key_ext *)CAT(b, f->off) + i;
            same = x->form == y->form && proto_str_eq(x->key, y->key) &&
                   x->valid_from_ms == y->valid_from_ms && x->valid_until_ms == y->valid_until_ms;
            break;
        }
        default:
            RN_ASSERT(0 && "unknown field type");
        }
        if (!same)
            return false;
    }
    return true;
}

static bool eq_map(const ftab *t, const uint8_t *a, const uint8_t *b)
{
    for (unsigned i = 0; i < t->n; i++)
        if (!eq_field(&t->f[i], a, b))
            return false;
    return true;
}

bool proto_record_equal(const proto_record *a, const proto_record *b)
{
    const kind_desc *k = kind_find((int)a->kind);
    if (a->kind != b->kind || k == NULL)
        return false;
    return eq_map(k->tab, (const uint8_t *)&a->u, (const uint8_t *)&b->u);
}
