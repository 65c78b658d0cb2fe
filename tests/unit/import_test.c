/*
 * import_test.c: `recnetctl spec import`, `credential issue` and `credential verify`, with the
 * real fixtures: the Commission's ELM sample (tests/fixtures/elm/) and the Dutch Open Badges 3.0
 * micro-credentials (tests/fixtures/obv3/), and the VC-JWTs made from them
 * (tests/fixtures/vcjwt/, gen_vcjwt.c).
 *
 *  - Every fixture maps onto the expected provider and spec (api/import.h), names what it lacks,
 *    and imports on the command line (dry run) with the flags for those lacks.
 *  - The records round-trip through a log: appended to a replica with store_append, read back
 *    as the latest version, decoded, equal.
 *  - Refused files: malformed JSON, a JSON that is neither format, a mandatory element missing,
 *    unknown codes (an ISCED-F URI not in the list, an EQF 9, an assessmentType outside Annex
 *    I), ECTS that are not hundredths.
 *  - Against a node: Ireland's node core serves its control socket from a thread of this test
 *    (node_control, exactly what recnetd's driver calls), over a replica that also holds the
 *    Netherlands' imported records, a French decision and a German policy. recnetctl (cli_main,
 *    in-process) imports the ELM sample through it, issues envelopes offline and verifies them:
 *    valid and recognised; signed by a key never registered, or registered only after the issue
 *    date; tampered; revoked. Then the Open Badges VC-JWTs: valid, signed by an unregistered key,
 *    tampered, with a refused alg, issued before their key was registered.
 *
 *  - A sealed European Digital Credential: the ELM sample sealed in the test (JAdES, the JWS
 *    JSON serialization) with a sealing certificate from a CA made here: imported as the
 *    unsealed file is, the sealer reported, the chain checked against --trust; refused when the
 *    seal does not verify (even with --force), when the certificate is expired or does not chain
 *    to the anchors (unless --force); credential verify and check report the seal.
 *
 * The node's clock is the test's (srv_now), so every entry has a known time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sodium.h>

#include "cli/cli.h"
#include "api/import.h"
#include "api/recjson.h"
#include "cli/rpc.h"
#include "node/core.h"
#include "proto/credential.h"
#include "proto/key.h"
#include "conf/keyfile.h"
#include "store/store.h"

#include "cred_sign.h"
#include "testutil.h"

/* Times (ms since the epoch, UTC midnight). */
#define T_2014_06_01 1401580800000ull
#define T_2024_01_01 1704067200000ull
#define T_2024_08_01 1722470400000ull
#define T_2025_01_01 1735689600000ull
#define T_2025_01_05 1736035200000ull
#define T_2025_01_10 1736467200000ull
#define T_2025_03_01 1740787200000ull
#define T_2025_03_20 1742428800000ull

#define ELM      RN_FIXTURES "/elm/Sample-MC-Annex1-unsigned.jsonld"
#define OBV3(f)  RN_FIXTURES "/obv3/" f
#define VCJWT(f) RN_FIXTURES "/vcjwt/" f

static char tmp[64];

typedef struct authority {
    uint8_t sk[PROTO_SK_BYTES];
    uint8_t pk[PROTO_KEY_BYTES];
} authority;

static authority ie, nl, fr, de;

static void authority_init(authority *a, uint8_t seed_byte)
{
    uint8_t seed[PROTO_SEED_BYTES];
    memset(seed, seed_byte, sizeof(seed));
    proto_key_sk_derive(seed, a->sk, a->pk);
}

/* ---- Helpers ---- */

static int run(const char *first, ...)
{
    char *argv[48];
    int argc = 0;
    va_list ap;
    argv[argc++] = (char *)"recnetctl";
    va_start(ap, first);
    for (const char *s = first; s != NULL && argc < 47; s = va_arg(ap, const char *))
        argv[argc++] = (char *)s;
    va_end(ap);
    argv[argc] = NULL;
    fflush(stdout);
    return cli_main(argc, argv);
}

/* stdout into `path` until capture_end. */
static void capture_begin(const char *path)
{
    fflush(stdout);
    assert_non_null(freopen(path, "w", stdout));
}

static char *capture_end(const char *path)
{
    fflush(stdout);
    assert_non_null(freopen("/dev/null", "w", stdout));
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *b = calloc(1, 1 << 20);
    size_t n = fread(b, 1, (1 << 20) - 1, f);
    b[n] = '\0';
    fclose(f);
    return b;
}

static json_t *load_file(const char *path)
{
    json_error_t je;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (j == NULL)
        fail_msg("%s: %s", path, je.text);
    return j;
}

static void write_json(const char *path, json_t *j)
{
    assert_int_equal(json_dump_file(j, path, JSON_INDENT(1)), 0);
}

static void write_bytes(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
}

static size_t read_bytes(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static void tpath(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", tmp, name);
}

/* The fixture issuer key of the VC-JWTs (gen_vcjwt.c). */
static void fixture_key(const char *name, char out[PROTO_KEY_TEXT_LEN + 1])
{
    uint8_t b[128];
    size_t n = read_bytes(name, b, sizeof(b));
    assert_true(n >= PROTO_KEY_TEXT_LEN);
    memcpy(out, b, PROTO_KEY_TEXT_LEN);
    out[PROTO_KEY_TEXT_LEN] = '\0';
}

/* The flags each fixture needs (their values are those of tests/fixtures/demo/). */
static imp_flags elm_flags(void)
{
    imp_flags f;
    memset(&f, 0, sizeof(f));
    f.provider_id = "IE:uniz";
    f.spec_id = "IE:uniz/mc-c012";
    f.qa_status = "under_review";
    f.qa_type = "internal";
    return f;
}

static imp_flags theed_flags(const char *key)
{
    imp_flags f;
    memset(&f, 0, sizeof(f));
    f.country = "NL";
    f.qa_status = "accredited";
    f.qa_body = "NVAO";
    f.isced = "0313";
    f.stackability = "stackable";
    f.part_of = "NL:pathway/minor-psychology";
    f.issuer_key = key;
    f.key_valid_from = "2024-08-01";
    return f;
}

/* Maps `path` with `fl` and converts both records; fails the test on any error. */
static void map_ok(const char *path, const imp_flags *fl, imp_result *r, proto_record *prov,
                   proto_record *spec, rec_bytes *pb, rec_bytes *sb)
{
    char why[IMP_WHY_BYTES], msg[512];
    rec_err e;
    json_t *doc = load_file(path);
    if (imp_map(doc, fl, r, why, sizeof(why)) != 0)
        fail_msg("%s: %s", path, why);
    json_decref(doc);
    if (imp_missing_required(r) != 0)
        fail_msg("%s: %u mandatory elements lack", path, imp_missing_required(r));
    if (rec_from_json(prov, PROTO_KIND_PROVIDER, r->provider, pb, &e) != 0 ||
        rec_from_json(spec, PROTO_KIND_SPEC, r->spec, sb, &e) != 0)
        fail_msg("%s: %s", path, rec_err_format(&e, msg, sizeof(msg)));
}

static bool lacks(const imp_result *r, const char *field, bool required)
{
    for (unsigned i = 0; i < r->reports_n; i++) {
        const imp_report *p = &r->reports[i];
        if (p->level != IMP_NOTE && strcmp(p->field, field) == 0 && !p->resolved)
            return (p->level == IMP_LACK_REQUIRED) == required;
    }
    return false;
}

/* ---- Mapping ---- */

static const char *const elm_spec_json =
    "{\"id\": \"IE:uniz/mc-c012\", \"provider\": \"IE:uniz\","
    " \"title\": {\"en\": \"Digital micro-credential creation\"},"
    " \"outcomes\": [{\"text\": \"Communication, collaboration and creativity\", \"esco\": ["
    "\"http://data.europa.eu/esco/skill/ccdf3597-5c80-410f-896d-e1bdfa223de9\","
    "\"http://data.europa.eu/esco/skill/80f308e6-0e09-404a-80cd-ec5f50f6f304\","
    "\"http://data.europa.eu/esco/skill/326809fc-238d-40c2-881e-40042f7f2f0d\"]},"
    " {\"text\": \"Developing digital content\", \"esco\": "
    "[\"http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a\"]}],"
    " \"ects\": 2, \"eqf\": 6, \"nqf\": \"RQF Level 6\", \"isced\": \"0688\","
    " \"assessment\": \"portfolio\", \"participation\": \"onsite or blended\","
    " \"qa_type\": \"internal\", \"languages\": [\"en\"],"
    " \"prerequisites\": \"The learner needs to have an EDC Online Credential Builder account, "
    "that requires an EU Login ID.\","
    " \"supervision\": \"unsupervised with no identity verification\","
    " \"grading\": \"Standard grading: The learner will have passed the assessment upon the "
    "successful submission of an ELM standard compliant un-signed sample credential.\","
    " \"stackability\": \"stand_alone\", \"valid_from\": \"2022-12-31T23:00:00Z\","
    " \"status\": \"active\", \"source_ids\": [\"urn:epass:qualification:1\"]}";

static const char *const theed_spec_json =
    "{\"id\": \"NL:42NB/ach-44ABA\", \"provider\": \"NL:42NB\","
    " \"title\": {\"en\": \"Minor: Jedi Mind Control and Advanced Meditation Practices\"},"
    " \"outcomes\": [{\"text\": \"To earn this badge, you must attend the colleges on Mind "
    "Control, and on Meditation. You must pass a practical test and submit a written essay.\"}],"
    " \"ects\": 3, \"eqf\": 4, \"isced\": \"0313\", \"assessment\": \"testing\","
    " \"participation\": \"onsite or blended\", \"qa_type\": \"external\", \"languages\": "
    "[\"en\"], \"supervision\": \"onsite with identity verification\","
    " \"grading\": \"Final Project Grade: 1 to 10, pass mark 6\", \"stackability\": "
    "\"stackable\", \"part_of\": [\"NL:pathway/minor-psychology\"],"
    " \"valid_from\": \"2024-08-30\", \"valid_until\": \"2029-08-30\", \"status\": \"active\","
    " \"source_ids\": [\"https://example.com/achievements/ach-44ABA\"]}";

/* The record `r` equals the one the JSON text describes. */
static void expect_record(const proto_record *r, proto_kind kind, const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    proto_record *want = malloc(sizeof(*want));
    rec_bytes *b = malloc(sizeof(*b));
    rec_err e;
    char msg[512];
    assert_non_null(j);
    if (rec_from_json(want, kind, j, b, &e) != 0)
        fail_msg("expected record: %s", rec_err_format(&e, msg, sizeof(msg)));
    if (!proto_record_equal(r, want)) {
        json_t *got = rec_to_json(r);
        char *s = json_dumps(got, JSON_COMPACT);
        fail_msg("record differs: %s", s);
    }
    json_decref(j);
    free(want);
    free(b);
}

static void test_map_fixtures(void **state)
{
    imp_result *r = calloc(1, sizeof(*r));
    proto_record *prov = malloc(sizeof(*prov)), *spec = malloc(sizeof(*spec));
    rec_bytes *pb = malloc(sizeof(*pb)), *sb = malloc(sizeof(*sb));
    char key[PROTO_KEY_TEXT_LEN + 1], why[IMP_WHY_BYTES];
    (void)state;
    fixture_key(VCJWT("issuer.pub"), key);

    /* The ELM sample: every Annex I element it carries. */
    imp_flags f = elm_flags();
    map_ok(ELM, &f, r, prov, spec, pb, sb);
    assert_int_equal(r->format, IMP_ELM);
    expect_record(spec, PROTO_KIND_SPEC, elm_spec_json);
    expect_record(prov, PROTO_KIND_PROVIDER,
                  "{\"id\": \"IE:uniz\", \"legal_name\": \"University of Zed\", \"country\": "
                  "\"IE\", \"registration_number\": \"0000\", \"qa_status\": \"under_review\","
                  " \"status\": \"active\", \"url\": \"https://uniz.edu\"}");
    assert_true(lacks(r, "spec.url", false));
    assert_true(lacks(r, "spec.valid_until", false));
    imp_result_free(r);

    /* Without flags: the QA elements lack; the ids are derived from the file. */
    memset(&f, 0, sizeof(f));
    json_t *doc = load_file(ELM);
    assert_int_equal(imp_map(doc, &f, r, why, sizeof(why)), 0);
    assert_int_equal(imp_missing_required(r), 2);
    assert_true(lacks(r, "provider.qa_status", true));
    assert_true(lacks(r, "spec.qa_type", true));
    assert_string_equal(json_string_value(json_object_get(r->provider, "id")), "IE:0000");
    assert_string_equal(json_string_value(json_object_get(r->spec, "id")), "IE:0000/C012");
    imp_result_free(r);
    json_decref(doc);

    /* The Theed minor: Naboo is not one of the 30, and Open Badges has no ISCED-F. */
    memset(&f, 0, sizeof(f));
    doc = load_file(OBV3("theed_microcredential_full_ho.json"));
    assert_int_equal(imp_map(doc, &f, r, why, sizeof(why)), 0);
    assert_true(lacks(r, "provider.country", true));
    assert_true(lacks(r, "spec.isced", true));
    assert_true(lacks(r, "provider.qa_status", true));
    assert_true(lacks(r, "spec.stackability", true));
    assert_true(lacks(r, "spec.prerequisites", false));
    assert_null(json_object_get(r->spec, "isced")); /* never invented */
    imp_result_free(r);
    json_decref(doc);
    f = theed_flags(key);
    map_ok(OBV3("theed_microcredential_full_ho.json"), &f, r, prov, spec, pb, sb);
    assert_int_equal(r->format, IMP_OBV3);
    expect_record(spec, PROTO_KIND_SPEC, theed_spec_json);
    assert_string_equal(json_string_value(json_object_get(r->provider, "id")), "NL:42NB");
    assert_int_equal(prov->u.provider.issuer_keys_n, 1);
    assert_int_equal(prov->u.provider.issuer_keys[0].valid_from_ms, T_2024_08_01);
    imp_result_free(r);

    /* The minimal Theed badge: no BRIN, no validUntil; the provider id from the issuer's id. */
    map_ok(OBV3("theed_microcredential_minimal_ho.json"), &f, r, prov, spec, pb, sb);
    assert_string_equal(json_string_value(json_object_get(r->spec, "id")),
                        "NL:iss-9Z8Y7X/ach-44ABA");
    assert_int_equal(spec->u.spec.valid_until_ms, 0);
    assert_int_equal(spec->u.spec.valid_from_ms, T_2014_06_01);
    imp_result_free(r);

    /* Harderwijk: a Dutch address code, so only QA, ISCED-F and stackability come by flag. */
    memset(&f, 0, sizeof(f));
    f.qa_status = "accredited";
    f.qa_body = "NVAO";
    f.isced = "0713";
    f.stackability = "stackable";
    map_ok(OBV3("uvh_at_microcredential_full_1.json"), &f, r, prov, spec, pb, sb);
    assert_string_equal(json_string_value(json_object_get(r->spec, "id")), "NL:UN1VH/ach-876543");
    assert_int_equal(spec->u.spec.title[0].lang.ptr[0], 'n');
    assert_int_equal(spec->u.spec.ects_centi, 300);
    assert_int_equal(spec->u.spec.eqf, 4);
    imp_result_free(r);

    /* MBO Beek: study load hours, not ECTS, and no QA alignment. */
    memset(&f, 0, sizeof(f));
    doc = load_file(OBV3("mbob_eo_eov_microcredential_full.json"));
    assert_int_equal(imp_map(doc, &f, r, why, sizeof(why)), 0);
    assert_true(lacks(r, "spec.ects", true));
    assert_true(lacks(r, "spec.qa_type", true));
    imp_result_free(r);
    json_decref(doc);
    f.qa_status = "accredited";
    f.qa_body = "NVAO";
    f.isced = "0416";
    f.stackability = "stand_alone";
    f.ects = "8.5";
    f.qa_type = "internal";
    map_ok(OBV3("mbob_eo_eov_microcredential_full.json"), &f, r, prov, spec, pb, sb);
    assert_int_equal(spec->u.spec.ects_centi, 850);
    imp_result_free(r);

    free(r);
    free(prov);
    free(spec);
    free(pb);
    free(sb);
}

/* A copy of a fixture with one change, written to tmp. */
static void variant(const char *src, const char *name, const char *json_path, json_t *value,
                    char *out, size_t cap)
{
    json_t *doc = load_file(src), *o = doc;
    char tok[64];
    const char *p = json_path, *dot;
    /* Walk "a.b.1.c" down to the parent of the last step. */
    while ((dot = strchr(p, '.')) != NULL) {
        snprintf(tok, sizeof(tok), "%.*s", (int)(dot - p), p);
        json_t *child = json_is_array(o) ? json_array_get(o, (size_t)strtoul(tok, NULL, 10))
                                         : json_object_get(o, tok);
        assert_non_null(child);
        o = child;
        p = dot + 1;
    }
    snprintf(tok, sizeof(tok), "%s", p);
    if (json_is_array(o))
        json_array_set_new(o, (size_t)strtoul(tok, NULL, 10), value);
    else if (value != NULL)
        json_object_set_new(o, tok, value);
    else
        json_object_del(o, tok);
    tpath(out, cap, name);
    write_json(out, doc);
    json_decref(doc);
}

static void expect_map_error(const char *path, int code, const char *needle)
{
    imp_result *r = calloc(1, sizeof(*r));
    imp_flags f = elm_flags();
    char why[IMP_WHY_BYTES];
    json_t *doc = load_file(path);
    int rc = imp_map(doc, &f, r, why, sizeof(why));
    if (rc != code)
        fail_msg("%s: expected %s, got %s (%s)", path, rn_err_name(code), rn_err_name(rc), why);
    if (needle != NULL && strstr(why, needle) == NULL)
        fail_msg("%s: \"%s\" does not name %s", path, why, needle);
    imp_result_free(r);
    free(r);
    json_decref(doc);
}

static void test_refused(void **state)
{
    char p[256];
    (void)state;
    /* Malformed JSON. */
    tpath(p, sizeof(p), "broken.json");
    write_bytes(p, "{\"type\": [\"VerifiableCredential\",", 33);
    assert_int_equal(run("spec", "import", p, "-n", NULL), CLI_REFUSED);
    /* Neither format: the Dutch JSON Schema is JSON, but no credential. */
    assert_int_equal(run("spec", "import", OBV3("schema-microcredential.json"), "-n", NULL),
                     CLI_REFUSED);
    expect_map_error(OBV3("schema-microcredential.json"), RN_EKIND, "neither");
    tpath(p, sizeof(p), "array.json");
    write_bytes(p, "[1, 2]", 6);
    assert_int_equal(run("spec", "import", p, "-n", NULL), CLI_REFUSED);
    /* A missing file is an error, not refused input. */
    tpath(p, sizeof(p), "nothing.json");
    assert_int_equal(run("spec", "import", p, "-n", NULL), CLI_ERROR);

    /* Missing mandatory elements: no flags for the QA elements; no specification at all. */
    assert_int_equal(run("spec", "import", ELM, "-n", NULL), CLI_REFUSED);
    assert_int_equal(run("spec", "import", OBV3("theed_microcredential_full_ho.json"), "-n",
                         "--qa-status", "accredited", "--qa-body", "NVAO", "--stackability",
                         "stackable", "--isced", "0313", NULL),
                     CLI_REFUSED); /* --country still lacks */
    variant(ELM, "no-spec.json", "credentialSubject.hasClaim.specifiedBy", NULL, p, sizeof(p));
    expect_map_error(p, RN_EMISSING, "specifiedBy");
    assert_int_equal(run("spec", "import", p, "-n", NULL), CLI_REFUSED);
    variant(OBV3("uvh_at_microcredential_full_1.json"), "no-ach.json",
            "credentialSubject.achievement", NULL, p, sizeof(p));
    expect_map_error(p, RN_EMISSING, "achievement");
    variant(ELM, "no-title.json", "credentialSubject.hasClaim.specifiedBy.learningOutcome",
            json_array(), p, sizeof(p));
    assert_int_equal(run("spec", "import", p, "-n", "--qa-status", "under_review", "--qa-type",
                         "internal", NULL),
                     CLI_REFUSED); /* no learning outcome, and no flag gives one */

    /* Unknown codes. */
    variant(ELM, "isced.json", "credentialSubject.hasClaim.specifiedBy.thematicArea.1.id",
            json_string("http://data.europa.eu/snb/isced-f/1234"), p, sizeof(p));
    expect_map_error(p, RN_EISCED, "isced-f/1234");
    assert_int_equal(run("spec", "import", p, "-n", "--qa-status", "under_review", "--qa-type",
                         "internal", NULL),
                     CLI_REFUSED);
    variant(ELM, "eqf.json", "credentialSubject.hasClaim.specifiedBy.eqfLevel.id",
            json_string("http://data.europa.eu/snb/eqf/9"), p, sizeof(p));
    expect_map_error(p, RN_EEQF, "eqf/9");
    variant(OBV3("theed_microcredential_full_ho.json"), "eqf9.json",
            "credentialSubject.achievement.alignment.1.targetCode", json_string("9"), p, sizeof(p));
    expect_map_error(p, RN_EEQF, "\"9\"");
    variant(OBV3("theed_microcredential_full_ho.json"), "vocab.json",
            "credentialSubject.achievement.assessmentType", json_string("interview"), p, sizeof(p));
    expect_map_error(p, RN_EVOCAB, "interview");
    variant(OBV3("theed_microcredential_full_ho.json"), "ects.json",
            "credentialSubject.achievement.ECTS", json_real(0.125), p, sizeof(p));
    expect_map_error(p, RN_EECTS, "ECTS");
    /* An unknown code given by flag: refused, naming the field. */
    assert_int_equal(run("spec", "import", OBV3("uvh_at_microcredential_full_1.json"), "-n",
                         "--qa-status", "accredited", "--qa-body", "NVAO", "--stackability",
                         "stackable", "--isced", "1234", NULL),
                     CLI_REFUSED);
    /* A provider id of another country than the awarding body's. */
    assert_int_equal(run("spec", "import", ELM, "-n", "--qa-status", "under_review", "--qa-type",
                         "internal", "--provider-id", "FR:uniz", NULL),
                     CLI_REFUSED);
}

static void test_cli_dry_run(void **state)
{
    char key[PROTO_KEY_TEXT_LEN + 1], out[256];
    (void)state;
    fixture_key(VCJWT("issuer.pub"), key);
    tpath(out, sizeof(out), "dry.json");
    capture_begin(out);
    int rc = run("--json", "spec", "import", ELM, "--dry-run", "--qa-status", "under_review",
                 "--qa-type", "internal", "--provider-id", "IE:uniz", "--spec-id",
                 "IE:uniz/mc-c012", NULL);
    char *text = capture_end(out);
    assert_int_equal(rc, CLI_OK);
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "format")), "elm");
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "spec"), "isced")),
                        "0688");
    assert_true(json_array_size(json_object_get(j, "lacks")) >= 2);
    json_decref(j);
    free(text);
    /* People's form, and every Dutch file with the flags for what it lacks. */
    assert_int_equal(run("spec", "import", ELM, "-n", "--qa-status", "under_review", "--qa-type",
                         "internal", NULL),
                     CLI_OK);
    assert_int_equal(run("spec", "import", OBV3("theed_microcredential_full_ho.json"), "-n",
                         "--country", "nl", "--qa-status", "accredited", "--qa-body", "NVAO",
                         "--isced", "0313", "--stackability", "stackable", "--part-of",
                         "NL:pathway/minor-psychology", "--issuer-key", key, NULL),
                     CLI_OK);
    assert_int_equal(run("spec", "import", OBV3("theed_microcredential_minimal_ho.json"), "-n",
                         "--country", "NL", "--qa-status", "accredited", "--qa-body", "NVAO",
                         "--isced", "0313", "--stackability", "stackable", NULL),
                     CLI_OK);
    assert_int_equal(run("spec", "import", OBV3("uvh_at_microcredential_full_1.json"), "-n",
                         "--qa-status", "accredited", "--qa-body", "NVAO", "--isced", "0713",
                         "--stackability", "stackable", NULL),
                     CLI_OK);
    assert_int_equal(run("spec", "import", OBV3("mbob_eo_eov_microcredential_full.json"), "-n",
                         "--qa-status", "accredited", "--qa-body", "NVAO", "--isced", "0416",
                         "--stackability", "stand_alone", "--ects", "8.5", "--qa-type", "internal",
                         NULL),
                     CLI_OK);
    /* Help on the new commands; usage errors. */
    assert_int_equal(run("spec", "import", "--help", NULL), CLI_OK);
    assert_int_equal(run("credential", "issue", "--help", NULL), CLI_OK);
    assert_int_equal(run("credential", "verify", "--help", NULL), CLI_OK);
    assert_int_equal(run("spec", "import", NULL), CLI_USAGE);
    assert_int_equal(run("spec", "import", ELM, "--colour", "blue", NULL), CLI_USAGE);
    assert_int_equal(run("spec", "import", ELM, "-n", "--issuer-key", "rn1:nonsense", NULL),
                     CLI_USAGE);
}

/* ---- Sealed European Digital Credentials ---- */

static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
                       long from_s, long to_s, bool is_ca, long serial)
{
    X509 *x = X509_new();
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_gmtime_adj(X509_getm_notBefore(x), from_s);
    X509_gmtime_adj(X509_getm_notAfter(x), to_s);
    X509_set_pubkey(x, key);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"IE", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : n);
    if (is_ca) {
        X509_EXTENSION *e =
            X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints, "critical,CA:TRUE");
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
        e = X509V3_EXT_conf_nid(NULL, NULL, NID_key_usage, "critical,keyCertSign,cRLSign");
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    assert_true(X509_sign(x, issuer_key, EVP_sha256()) > 0);
    return x;
}

static void write_pem(const char *path, X509 *x)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(PEM_write_X509(f, x), 1);
    fclose(f);
}

/* The ELM sample sealed with ES256 by `by`, x5c [leaf, ca], written to `path`; `tamper` changes
 * one byte of the signature. */
static void write_sealed(const char *path, const test_issuer *by, X509 *leaf, X509 *ca, bool tamper)
{
    json_t *cred = load_file(ELM);
    json_t *h = json_pack("{s:s,s:[],s:s,s:[s]}", "alg", "ES256", "x5c", "sigT",
                          "2025-01-01T00:00:00Z", "crit", "sigT");
    X509 *certs[2] = { leaf, ca };
    for (size_t i = 0; i < 2; i++) {
        unsigned char *der = NULL;
        int n = i2d_X509(certs[i], &der);
        char b64[8192];
        assert_true(n > 0);
        sodium_bin2base64(b64, sizeof(b64), der, (size_t)n, sodium_base64_VARIANT_ORIGINAL);
        OPENSSL_free(der);
        json_array_append_new(json_object_get(h, "x5c"), json_string(b64));
    }
    char *hs = json_dumps(h, JSON_COMPACT), *ps = json_dumps(cred, JSON_COMPACT);
    char *hb = cred_b64url_encode((const uint8_t *)hs, strlen(hs));
    char *pb = cred_b64url_encode((const uint8_t *)ps, strlen(ps));
    size_t in_len = strlen(hb) + 1 + strlen(pb);
    char *in = malloc(in_len + 1);
    snprintf(in, in_len + 1, "%s.%s", hb, pb);
    uint8_t sig[1024];
    size_t sl;
    test_sign(by, CRED_ALG_ES256, (const uint8_t *)in, in_len, sig, &sl);
    if (tamper)
        sig[5] ^= 0x01;
    char *sb = cred_b64url_encode(sig, sl);
    json_t *out = json_pack("{s:s,s:[{s:s,s:s}]}", "payload", pb, "signatures", "protected", hb,
                            "signature", sb);
    write_json(path, out);
    json_decref(out);
    free(hs);
    free(ps);
    free(hb);
    free(pb);
    free(in);
    free(sb);
    json_decref(h);
    json_decref(cred);
}

/* `spec import --json -n` of `file` with the flags the ELM sample needs and `o1 v1 o2`; returns
 * the exit code and, when 0, the printed JSON in *out. */
static int import_json(const char *file, const char *o1, const char *v1, const char *o2,
                       json_t **out)
{
    char path[256];
    tpath(path, sizeof(path), "sealed-out.json");
    capture_begin(path);
    int rc = run("--json", "spec", "import", file, "-n", "--qa-status", "under_review", "--qa-type",
                 "internal", "--provider-id", "IE:uniz", "--spec-id", "IE:uniz/mc-c012", o1, v1, o2,
                 NULL);
    char *text = capture_end(path);
    *out = rc == CLI_OK ? json_loads(text, 0, NULL) : NULL;
    free(text);
    return rc;
}

static void test_sealed_elm(void **state)
{
    test_issuer ca_key, leaf_key, other_key;
    char ca_pem[256], other_pem[256], good[256], tampered[256], expired[256];
    json_t *plain, *j;
    (void)state;
    test_issuer_make(&ca_key, CRED_KTY_P256, 0);
    test_issuer_make(&leaf_key, CRED_KTY_P256, 0);
    test_issuer_make(&other_key, CRED_KTY_P256, 0);
    X509 *ca =
        make_cert(ca_key.pkey, "Test QTSP CA", NULL, ca_key.pkey, -86400, 86400L * 365, true, 1);
    X509 *leaf = make_cert(leaf_key.pkey, "University of Z seal", ca, ca_key.pkey, -86400,
                           86400L * 365, false, 2);
    X509 *old = make_cert(leaf_key.pkey, "University of Z seal", ca, ca_key.pkey, -86400L * 30,
                          -86400L, false, 3);
    X509 *other = make_cert(other_key.pkey, "Another CA", NULL, other_key.pkey, -86400,
                            86400L * 365, true, 4);
    tpath(ca_pem, sizeof(ca_pem), "seal-ca.pem");
    tpath(other_pem, sizeof(other_pem), "seal-other.pem");
    tpath(good, sizeof(good), "sealed.json");
    tpath(tampered, sizeof(tampered), "sealed-tampered.json");
    tpath(expired, sizeof(expired), "sealed-expired.json");
    write_pem(ca_pem, ca);
    write_pem(other_pem, other);
    write_sealed(good, &leaf_key, leaf, ca, false);
    write_sealed(tampered, &leaf_key, leaf, ca, true);
    write_sealed(expired, &leaf_key, old, ca, false);

    /* The unsealed sample, and the sealed one with its chain to the CA: the same records. */
    assert_int_equal(import_json(ELM, NULL, NULL, NULL, &plain), CLI_OK);
    assert_true(json_is_null(json_object_get(plain, "seal")));
    assert_int_equal(import_json(good, "--trust", ca_pem, NULL, &j), CLI_OK);
    json_t *seal = json_object_get(j, "seal");
    assert_non_null(
        strstr(json_string_value(json_object_get(seal, "sealed_by")), "CN=University of Z seal"));
    assert_true(json_is_false(json_object_get(seal, "forced")));
    assert_true(json_equal(json_object_get(j, "provider"), json_object_get(plain, "provider")));
    assert_true(json_equal(json_object_get(j, "spec"), json_object_get(plain, "spec")));
    size_t i;
    json_t *c;
    bool chained = false;
    json_array_foreach(json_object_get(seal, "checks"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "name")), "chain") == 0)
            chained = strcmp(json_string_value(json_object_get(c, "result")), "pass") == 0 &&
                      strstr(json_string_value(json_object_get(c, "reason")), "Test QTSP CA");
    }
    assert_true(chained);
    json_decref(j);
    /* Without anchors: imported, the chain not checked. */
    assert_int_equal(import_json(good, NULL, NULL, NULL, &j), CLI_OK);
    char *sj = json_dumps(json_object_get(j, "seal"), 0);
    assert_non_null(sj);
    assert_non_null(strstr(sj, "no trust anchors"));
    free(sj);
    json_decref(j);
    /* A seal that does not verify: refused, --force or not. */
    assert_int_equal(import_json(tampered, NULL, NULL, NULL, &j), CLI_REFUSED);
    assert_int_equal(import_json(tampered, "--trust", ca_pem, "--force", &j), CLI_REFUSED);
    /* Another CA's anchors, an expired certificate: refused, imported with --force. */
    assert_int_equal(import_json(good, "--trust", other_pem, NULL, &j), CLI_REFUSED);
    assert_int_equal(import_json(good, "--trust", other_pem, "--force", &j), CLI_OK);
    assert_true(json_is_true(json_object_get(json_object_get(j, "seal"), "forced")));
    json_decref(j);
    assert_int_equal(import_json(expired, NULL, NULL, NULL, &j), CLI_REFUSED);
    assert_int_equal(import_json(expired, "--force", NULL, NULL, &j), CLI_OK);
    json_decref(j);
    /* --trust and --force are for sealed files; a PEM that holds no certificate is refused. */
    assert_int_equal(import_json(ELM, "--force", NULL, NULL, &j), CLI_USAGE);
    assert_int_equal(import_json(good, "--trust", ELM, NULL, &j), CLI_REFUSED);
    /* People's form names the sealer. */
    char out[256];
    tpath(out, sizeof(out), "sealed-people.txt");
    capture_begin(out);
    assert_int_equal(run("spec", "import", good, "-n", "--qa-status", "under_review", "--qa-type",
                         "internal", "--trust", ca_pem, NULL),
                     CLI_OK);
    char *text = capture_end(out);
    assert_non_null(strstr(text, "sealed by CN=University of Z seal"));
    free(text);
    /* credential check and verify report the seal. */
    capture_begin(out);
    assert_int_equal(run("credential", "check", good, "--trust", ca_pem, NULL), CLI_OK);
    text = capture_end(out);
    assert_non_null(strstr(text, "sealed by"));
    assert_non_null(strstr(text, "University of Z seal"));
    free(text);
    capture_begin(out);
    /* verify checks the seal, then asks the node about the spec and the sealer's key: no node
     * named here, a usage error. */
    assert_int_equal(run("credential", "verify", good, "IE", "employment", "--trust", ca_pem, NULL),
                     CLI_USAGE);
    text = capture_end(out);
    free(text);
    assert_int_equal(run("credential", "verify", tampered, "IE", "employment", NULL), CLI_NEGATIVE);
    /* The library half: an unsealed file is not unwrapped. */
    cred_report rep;
    json_t *doc = load_file(ELM), *inner = NULL;
    char why[IMP_WHY_BYTES];
    assert_int_equal(imp_unseal(doc, NULL, 0, &rep, &inner, why, sizeof(why)), 0);
    assert_null(inner);
    assert_int_equal(rep.n, 0);
    cred_report_free(&rep);
    json_decref(doc);
    json_decref(plain);
    X509_free(ca);
    X509_free(leaf);
    X509_free(old);
    X509_free(other);
    test_issuer_free(&ca_key);
    test_issuer_free(&leaf_key);
    test_issuer_free(&other_key);
}

/* ---- The records round-trip through a log ---- */

static void test_roundtrip_log(void **state)
{
    char dir[128], key[PROTO_KEY_TEXT_LEN + 1];
    store s;
    proto_roster ro;
    imp_result *r = calloc(1, sizeof(*r));
    proto_record *prov = malloc(sizeof(*prov)), *spec = malloc(sizeof(*spec));
    proto_record *back = malloc(sizeof(*back));
    rec_bytes *pb = malloc(sizeof(*pb)), *sb = malloc(sizeof(*sb));
    (void)state;
    fixture_key(VCJWT("issuer.pub"), key);
    tpath(dir, sizeof(dir), "replica");
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(store_open(&s, dir, NULL), 0);
    assert_int_equal(proto_roster_init(&ro, 4), 0);
    assert_int_equal(proto_roster_add(&ro, "IE", 2, PROTO_ROLE_AUTHORITY, ie.pk), 0);
    assert_int_equal(proto_roster_add(&ro, "NL", 2, PROTO_ROLE_AUTHORITY, nl.pk), 0);
    assert_int_equal(store_roster_set(&s, &ro), 0);
    proto_roster_free(&ro);

    static const char *const files[] = {
        ELM,
        OBV3("theed_microcredential_full_ho.json"),
        OBV3("uvh_at_microcredential_full_1.json"),
        OBV3("theed_microcredential_minimal_ho.json"),
    };
    uint64_t t = T_2025_01_01;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        imp_flags f = i == 0 ? elm_flags() : theed_flags(key);
        if (i == 2)
            f.country = NULL, f.isced = "0713", f.part_of = NULL;
        map_ok(files[i], &f, r, prov, spec, pb, sb);
        const authority *a = i == 0 ? &ie : &nl;
        const proto_record *recs[2] = { prov, spec };
        for (int k = 0; k < 2; k++) {
            mp_buf body;
            uint8_t id[PROTO_ID_BYTES];
            uint64_t seq;
            rn_diag d = { 0 };
            mp_buf_init(&body, RN_RECORD_BYTES_MAX);
            assert_int_equal(proto_record_encode(recs[k], &body), 0);
            if (store_append(&s, a->sk, recs[k]->kind, body.data, body.len, t++, id, &seq, NULL,
                             &d) != 0)
                fail_msg("%s: store_append: %s", files[i], d.field != NULL ? d.field : "-");
            mp_buf_free(&body);
            /* Read back the latest version, decode, compare. */
            store_read rd;
            store_version v;
            proto_entry e;
            proto_str rid = proto_record_id(recs[k]);
            assert_int_equal(store_query_begin(&s, &rd), 0);
            assert_int_equal(
                store_version_get(&rd, recs[k]->kind, rid.ptr, rid.len, UINT64_MAX, &v), 0);
            assert_int_equal(store_version_load(&rd, &v, &e, back), 0);
            assert_memory_equal(e.author, a->pk, PROTO_KEY_BYTES);
            assert_true(proto_record_equal(recs[k], back));
            store_read_end(&rd);
        }
        imp_result_free(r);
    }
    store_close(&s);
    free(r);
    free(prov);
    free(spec);
    free(back);
    free(pb);
    free(sb);
}

/* ---- Against a node ---- */

typedef struct server {
    int fd;
    node *n;
    store s;
    _Atomic uint64_t now;
    _Atomic bool stop;
    pthread_t th;
    char sock[96]; /* within sun_path */
} server;

static server srv;
/* The authority whose node serves: Ireland, or the Netherlands (node_setup_nl). */
static const authority *srv_self = &ie;

/* One connection: one request, one response (recnetctl's way). */
static void serve_one(int c)
{
    size_t cap = RN_CONTROL_REQUEST_BYTES_MAX, len = 0;
    uint8_t *buf = malloc(cap);
    mp_buf resp;
    mp_buf_init(&resp, RN_CONTROL_RESPONSE_BYTES_MAX);
    for (;;) {
        ssize_t got = read(c, buf + len, cap - len);
        if (got <= 0)
            goto out;
        len += (size_t)got;
        mp_cur cur;
        mp_cur_init(&cur, buf, len);
        int rc = mp_skip(&cur);
        if (rc == RN_ETRUNCATED && len < cap)
            continue;
        break;
    }
    if (node_control(srv.n, buf, len, &resp, atomic_load(&srv.now)) == 0 || resp.len > 0) {
        size_t off = 0;
        while (off < resp.len) {
            ssize_t w = write(c, resp.data + off, resp.len - off);
            if (w <= 0)
                break;
            off += (size_t)w;
        }
    }
out:
    mp_buf_free(&resp);
    free(buf);
    close(c);
}

static void *serve(void *arg)
{
    (void)arg;
    for (;;) {
        int c = accept(srv.fd, NULL, NULL);
        if (atomic_load(&srv.stop)) {
            if (c >= 0)
                close(c);
            return NULL;
        }
        if (c >= 0)
            serve_one(c);
    }
}

/* A record appended to the replica by another authority, before the node serves. */
static void append_json(const authority *a, proto_kind kind, const char *text, uint64_t t)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    proto_record *r = malloc(sizeof(*r));
    rec_bytes *b = malloc(sizeof(*b));
    rec_err e;
    char msg[256];
    mp_buf body;
    uint8_t id[PROTO_ID_BYTES];
    uint64_t seq;
    rn_diag d = { 0 };
    assert_non_null(j);
    if (rec_from_json(r, kind, j, b, &e) != 0)
        fail_msg("%s", rec_err_format(&e, msg, sizeof(msg)));
    mp_buf_init(&body, RN_RECORD_BYTES_MAX);
    assert_int_equal(proto_record_encode(r, &body), 0);
    assert_int_equal(store_append(&srv.s, a->sk, kind, body.data, body.len, t, id, &seq, NULL, &d),
                     0);
    mp_buf_free(&body);
    json_decref(j);
    free(r);
    free(b);
}

/* The issuers of the RS256 and ES256 badges: their JWKs are registered to the Theed provider
 * by node_setup_ext (issuer_keys_ext, PROTOCOL.md 3.4); `stranger` is registered nowhere. */
static test_issuer es_issuer, rs_issuer, stranger;
static bool with_ext_keys;

static void append_import(const char *path, const imp_flags *f, uint64_t t)
{
    imp_result *r = calloc(1, sizeof(*r));
    proto_record *prov = malloc(sizeof(*prov)), *spec = malloc(sizeof(*spec));
    rec_bytes *pb = malloc(sizeof(*pb)), *sb = malloc(sizeof(*sb));
    map_ok(path, f, r, prov, spec, pb, sb);
    if (with_ext_keys && strstr(path, "theed") != NULL) {
        json_t *keys = json_array();
        const test_issuer *iss[2] = { &es_issuer, &rs_issuer };
        for (int i = 0; i < 2; i++) {
            json_t *k = json_object();
            json_object_set_new(k, "form", json_string("jwk"));
            json_object_set_new(k, "key", test_issuer_jwk(iss[i]));
            json_object_set_new(k, "valid_from", json_string("2024-08-01"));
            json_object_set_new(k, "valid_until", json_null());
            json_array_append_new(keys, k);
        }
        json_object_set_new(r->provider, "issuer_keys_ext", keys);
    }
    char *ps = json_dumps(r->provider, 0), *ss = json_dumps(r->spec, 0);
    append_json(&nl, PROTO_KIND_PROVIDER, ps, t);
    append_json(&nl, PROTO_KIND_SPEC, ss, t);
    free(ps);
    free(ss);
    imp_result_free(r);
    free(r);
    free(prov);
    free(spec);
    free(pb);
    free(sb);
}

static int node_setup(void **state)
{
    char dir[128], key[PROTO_KEY_TEXT_LEN + 1];
    proto_roster ro;
    node_config cfg;
    struct sockaddr_un sa;
    (void)state;
    static int nodes;
    char name[32];
    fixture_key(VCJWT("issuer.pub"), key);
    snprintf(name, sizeof(name), "node-ie-%d", ++nodes);
    tpath(dir, sizeof(dir), name);
    if (mkdir(dir, 0700) != 0 || store_open(&srv.s, dir, NULL) != 0)
        return -1;
    if (proto_roster_init(&ro, 8) != 0 ||
        proto_roster_add(&ro, "IE", 2, PROTO_ROLE_AUTHORITY, ie.pk) != 0 ||
        proto_roster_add(&ro, "NL", 2, PROTO_ROLE_AUTHORITY, nl.pk) != 0 ||
        proto_roster_add(&ro, "FR", 2, PROTO_ROLE_AUTHORITY, fr.pk) != 0 ||
        proto_roster_add(&ro, "DE", 2, PROTO_ROLE_AUTHORITY, de.pk) != 0 ||
        store_roster_set(&srv.s, &ro) != 0)
        return -1;
    proto_roster_free(&ro);

    /* The Netherlands: the Theed minor and the Harderwijk badge, their issuer key valid from
     * 2024-08-01; Germany: automatic recognition of externally quality-assured EQF 4-6 from the
     * Netherlands; France: a decision on the Irish spec. */
    imp_flags f = theed_flags(key);
    append_import(OBV3("theed_microcredential_full_ho.json"), &f, T_2024_08_01);
    f.country = NULL;
    f.isced = "0713";
    f.part_of = NULL;
    append_import(OBV3("uvh_at_microcredential_full_1.json"), &f, T_2024_08_01);
    append_json(&de, PROTO_KIND_POLICY,
                "{\"id\": \"DE:kmk/auto\", \"purpose\": \"both\", \"outcome\": \"full\","
                " \"issuer_countries\": [\"NL\"], \"eqf_min\": 4, \"eqf_max\": 6,"
                " \"external_qa\": true, \"valid_from\": \"2024-01-01\", \"status\": \"active\"}",
                T_2024_01_01);
    /* Another spec of the Theed provider, published by hand (bound to no achievement): a
     * 17.86-ECTS course beside the 3-ECTS minor. */
    append_json(&nl, PROTO_KIND_SPEC,
                "{\"id\": \"NL:42NB/course-1786\", \"provider\": \"NL:42NB\","
                " \"title\": {\"en\": \"Psychology of Meditation (course)\"},"
                " \"outcomes\": [{\"text\": \"Meditation practice and its assessment\"}],"
                " \"ects\": 17.86, \"eqf\": 5, \"isced\": \"0313\", \"assessment\": \"testing\","
                " \"participation\": \"onsite or blended\", \"qa_type\": \"external\","
                " \"languages\": [\"en\"], \"supervision\": \"onsite with identity verification\","
                " \"stackability\": \"stand_alone\", \"valid_from\": \"2024-08-01\","
                " \"status\": \"active\"}",
                T_2024_08_01);
    append_json(&fr, PROTO_KIND_DECISION,
                "{\"id\": \"FR:enic-naric/2025-0042\", \"spec\": \"IE:uniz/mc-c012\","
                " \"purpose\": \"further_study\", \"outcome\": \"partial\", \"ects\": 1.5,"
                " \"differences\": [{\"type\": \"workload\", \"note\": \"2 ECTS against 3\"}],"
                " \"valid_from\": \"2025-01-01\"}",
                T_2025_01_05);

    memset(&cfg, 0, sizeof(cfg));
    memcpy(cfg.sk, srv_self->sk, sizeof(cfg.sk));
    cfg.rng_seed = 3;
    atomic_store(&srv.now, T_2025_01_10);
    if (node_new(&srv.n, &srv.s, &cfg, T_2025_01_10) != 0)
        return -1;
    snprintf(srv.sock, sizeof(srv.sock), "%s/control-%d.sock", tmp, nodes);
    srv.fd = socket(AF_UNIX, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", srv.sock);
    if (srv.fd < 0 || bind(srv.fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        listen(srv.fd, 8) != 0)
        return -1;
    atomic_store(&srv.stop, false);
    return pthread_create(&srv.th, NULL, serve, NULL) == 0 ? 0 : -1;
}

static int node_setup_ext(void **state)
{
    with_ext_keys = true;
    int rc = node_setup(state);
    with_ext_keys = false;
    return rc;
}

static int node_teardown(void **state)
{
    struct sockaddr_un sa;
    (void)state;
    atomic_store(&srv.stop, true);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", srv.sock);
    if (c >= 0 && connect(c, (struct sockaddr *)&sa, sizeof(sa)) == 0)
        close(c);
    pthread_join(srv.th, NULL);
    close(srv.fd);
    node_free(srv.n);
    store_close(&srv.s);
    return 0;
}

/* The same replica, served by the Netherlands' node. */
static int node_setup_nl(void **state)
{
    srv_self = &nl;
    return node_setup(state);
}

static int node_teardown_nl(void **state)
{
    srv_self = &ie;
    return node_teardown(state);
}

/* Issues an envelope (spec IE:uniz/mc-c012) signed by `keyfile`, issued at `at`. */
static int issue(const char *keyfile, const char *at, const char *out)
{
    return run("credential", "issue", "--spec", "IE:uniz/mc-c012", "--issuer-key", keyfile,
               "--holder", "ana.andromeda@email.com", "--salt", "000102030405060708090a0b0c0d0e0f",
               "--issued-at", at, "--grade", "Pass", "-o", out, NULL);
}

static int verify(const char *file, const char *country, const char *purpose)
{
    return run("-s", srv.sock, "credential", "verify", file, country, purpose, NULL);
}

/* verify, expecting exit code `rc` and `needle` in what it prints. */
static void verify_says(const char *file, const char *country, const char *purpose,
                        const char *spec, int rc, const char *needle)
{
    char out[128];
    tpath(out, sizeof(out), "verify.txt");
    capture_begin(out);
    int got = spec != NULL ? run("-s", srv.sock, "credential", "verify", file, country, purpose,
                                 "--spec", spec, NULL)
                           : verify(file, country, purpose);
    char *text = capture_end(out);
    if (got != rc || strstr(text, needle) == NULL)
        fail_msg("%s: exit %d (expected %d), output:\n%s\n(expected \"%s\")", file, got, rc, text,
                 needle);
    free(text);
}

static void test_node_envelopes(void **state)
{
    char k1[128], k2[128], k3[128], c1[128], c2[128], c3[128], c4[128], t[128], out[128];
    char pk1[PROTO_KEY_TEXT_LEN + 1], pk3[PROTO_KEY_TEXT_LEN + 1], proof[128], roster[128];
    uint8_t seed[PROTO_SEED_BYTES], sk[PROTO_SK_BYTES], pk[PROTO_KEY_BYTES];
    uint8_t env[512];
    (void)state;
    tpath(k1, sizeof(k1), "uniz-1.key");
    tpath(k2, sizeof(k2), "uniz-never.key");
    tpath(k3, sizeof(k3), "uniz-3.key");
    assert_int_equal(run("keygen", k1, NULL), CLI_OK);
    assert_int_equal(run("keygen", k2, NULL), CLI_OK);
    assert_int_equal(run("keygen", k3, NULL), CLI_OK);
    int err = 0;
    assert_int_equal(conf_keyfile_read(k1, seed, pk, &err, NULL), 0);
    proto_key_text_format(pk, pk1);
    assert_int_equal(conf_keyfile_read(k3, seed, pk, &err, NULL), 0);
    proto_key_text_format(pk, pk3);
    proto_key_sk_derive(seed, sk, pk);

    /* Ireland imports the ELM sample through its node, with issuer key 1 from 2025-01-01. */
    assert_int_equal(run("-s", srv.sock, "spec", "import", ELM, "--provider-id", "IE:uniz",
                         "--spec-id", "IE:uniz/mc-c012", "--qa-status", "under_review", "--qa-type",
                         "internal", "--issuer-key", k1, "--key-valid-from", "2025-01-01", NULL),
                     CLI_OK);
    /* Again: the node holds the same records, nothing is published. */
    tpath(out, sizeof(out), "again.txt");
    capture_begin(out);
    assert_int_equal(run("-s", srv.sock, "spec", "import", ELM, "--provider-id", "IE:uniz",
                         "--spec-id", "IE:uniz/mc-c012", "--qa-status", "under_review", "--qa-type",
                         "internal", "--issuer-key", k1, "--key-valid-from", "2025-01-01", NULL),
                     CLI_OK);
    char *text = capture_end(out);
    assert_non_null(strstr(text, "provider IE:uniz: the node already holds this record"));
    assert_non_null(strstr(text, "spec IE:uniz/mc-c012: the node already holds this record"));
    free(text);
    /* Without --issuer-key the keys the node holds are kept: still nothing new. */
    capture_begin(out);
    assert_int_equal(run("-s", srv.sock, "spec", "import", ELM, "--provider-id", "IE:uniz",
                         "--spec-id", "IE:uniz/mc-c012", "--qa-status", "under_review", "--qa-type",
                         "internal", NULL),
                     CLI_OK);
    text = capture_end(out);
    assert_non_null(strstr(text, "keeping the 1 issuer key"));
    assert_non_null(strstr(text, "provider IE:uniz: the node already holds this record"));
    free(text);

    /* Valid and recognised: issued 2025-02-01 with key 1; France decided (partial). */
    tpath(c1, sizeof(c1), "c1.cred");
    assert_int_equal(issue(k1, "2025-02-01", c1), CLI_OK);
    verify_says(c1, "FR", "further_study", NULL, CLI_OK, "VALID and RECOGNISED");
    tpath(proof, sizeof(proof), "c1.proof");
    assert_int_equal(run("-s", srv.sock, "--json", "credential", "verify", c1, "fr",
                         "further_study", "--proof", proof, NULL),
                     CLI_OK);
    /* The proof checks offline with the roster alone. */
    tpath(roster, sizeof(roster), "roster.ini");
    const authority *as[] = { &ie, &nl, &fr, &de };
    const char *cs[] = { "IE", "NL", "FR", "DE" };
    for (int i = 0; i < 4; i++) {
        char kt[PROTO_KEY_TEXT_LEN + 1];
        proto_key_text_format(as[i]->pk, kt);
        assert_int_equal(run("roster", "add", "--roster", roster, "--name", cs[i], "--role",
                             "authority", "--country", cs[i], "--key", kt, NULL),
                         CLI_OK);
    }
    assert_int_equal(run("proof", "verify", proof, "--roster", roster, NULL), CLI_OK);
    /* Valid, but not recognised where no one decided: a negative answer. */
    assert_int_equal(verify(c1, "DE", "employment"), CLI_NEGATIVE);
    /* Usage errors before anything is sent. */
    assert_int_equal(verify(c1, "XX", "further_study"), CLI_USAGE);
    assert_int_equal(verify(c1, "FR", "leisure"), CLI_USAGE);

    /* Signed by a key the University of Zed never registered. */
    tpath(c2, sizeof(c2), "c2.cred");
    assert_int_equal(issue(k2, "2025-02-01", c2), CLI_OK);
    verify_says(c2, "FR", "further_study", NULL, CLI_NEGATIVE, "NOT a key of the spec's provider");

    /* Key 3 registered on 2025-03-01: a credential it signed on 2025-02-15 is not valid, one of
     * 2025-03-15 is. */
    atomic_store(&srv.now, T_2025_03_01);
    char keys[512];
    snprintf(keys, sizeof(keys),
             "[{\"key\": \"%s\", \"valid_from\": \"2025-01-01\", \"valid_until\": null},"
             " {\"key\": \"%s\", \"valid_from\": \"2025-03-01\", \"valid_until\": null}]",
             pk1, pk3);
    tpath(t, sizeof(t), "provider.json");
    FILE *f = fopen(t, "w");
    fprintf(f,
            "{\"id\": \"IE:uniz\", \"legal_name\": \"University of Zed\", \"country\": \"IE\","
            " \"registration_number\": \"0000\", \"qa_status\": \"under_review\","
            " \"issuer_keys\": %s, \"status\": \"active\", \"url\": \"https://uniz.edu\"}",
            keys);
    fclose(f);
    assert_int_equal(run("-s", srv.sock, "provider", "publish", t, NULL), CLI_OK);
    tpath(c3, sizeof(c3), "c3.cred");
    assert_int_equal(issue(k3, "2025-02-15", c3), CLI_OK);
    verify_says(c3, "FR", "further_study", NULL, CLI_NEGATIVE, "NOT a key of the spec's provider");
    tpath(c4, sizeof(c4), "c4.cred");
    assert_int_equal(issue(k3, "2025-03-15", c4), CLI_OK);
    atomic_store(&srv.now, T_2025_03_20);
    assert_int_equal(verify(c4, "FR", "further_study"), CLI_OK);

    /* Tampered envelopes: a changed grade, a changed signature: not valid; a truncated or
     * foreign file: refused. */
    size_t n = read_bytes(c1, env, sizeof(env));
    assert_true(n > 100);
    uint8_t *bad = malloc(n);
    memcpy(bad, env, n);
    bad[n - 66 - 34 - 2] ^= 0x01; /* "Pass" -> "Pasr" */
    tpath(t, sizeof(t), "tampered.cred");
    write_bytes(t, bad, n);
    verify_says(t, "FR", "further_study", NULL, CLI_NEGATIVE, "signature    DOES NOT VERIFY");
    memcpy(bad, env, n);
    bad[n - 1] ^= 0x01;
    write_bytes(t, bad, n);
    assert_int_equal(verify(t, "FR", "further_study"), CLI_NEGATIVE);
    write_bytes(t, env, n - 5);
    assert_int_equal(verify(t, "FR", "further_study"), CLI_REFUSED);
    write_bytes(t, "hello", 5);
    assert_int_equal(verify(t, "FR", "further_study"), CLI_REFUSED);
    free(bad);

    /* Ireland revokes c4: not valid any more. */
    proto_credential cr;
    n = read_bytes(c4, env, sizeof(env));
    assert_int_equal(proto_credential_decode(&cr, env, n, NULL), 0);
    char hex[2 * PROTO_DIGEST_BYTES + 1];
    rec_hex(cr.digest, PROTO_DIGEST_BYTES, hex);
    assert_int_equal(run("-s", srv.sock, "revocation", "publish", "--credential", hex, "--provider",
                         "IE:uniz", "--reason", "issued_in_error", "--revoked-at", "2025-03-20",
                         NULL),
                     CLI_OK);
    verify_says(c4, "FR", "further_study", NULL, CLI_NEGATIVE, "revoked      YES");
    /* The first is untouched. */
    assert_int_equal(verify(c1, "FR", "further_study"), CLI_OK);

    /* Issue: refused inputs. */
    assert_int_equal(issue(k1, "yesterday", c2), CLI_USAGE);
    assert_int_equal(run("credential", "issue", "--spec", "IE:uniz/mc-c012", "--issuer-key", k1,
                         "--holder", "x", "--salt", "00", "-o", c2, NULL),
                     CLI_USAGE);
    assert_int_equal(run("credential", "issue", "--spec", "uniz", "--issuer-key", k1, "--holder",
                         "x", "-o", c2, NULL),
                     CLI_USAGE);
    tpath(t, sizeof(t), "nokey.key");
    assert_int_equal(run("credential", "issue", "--spec", "IE:uniz/mc-c012", "--issuer-key", t,
                         "--holder", "x", "-o", c2, NULL),
                     CLI_ERROR);
    sodium_memzero(sk, sizeof(sk));
    sodium_memzero(seed, sizeof(seed));
}

/* A decision or a pathway naming a spec the node does not know (a typo) is refused naming it,
 * unless --force; one naming known specs is published. */
static void test_node_unknown_spec(void **state)
{
    char out[128];
    (void)state;
    tpath(out, sizeof(out), "unknown-spec.txt");
    /* Ireland decides on the Theed minor, which the node holds: published. */
    assert_int_equal(run("-s", srv.sock, "decision", "publish", "--id", "IE:qqi/2025-1", "--spec",
                         "NL:42NB/ach-44ABA", "--purpose", "employment", "--outcome", "full",
                         "--valid-from", "2025-01-01", NULL),
                     CLI_OK);
    /* A typo: refused (exit 3), the id named, on stdout too under --json. */
    capture_begin(out);
    assert_int_equal(run("-s", srv.sock, "--json", "decision", "publish", "--id", "IE:qqi/2025-2",
                         "--spec", "IE:uniz/mc-c0l2", "--purpose", "employment", "--outcome",
                         "full", "--valid-from", "2025-01-01", NULL),
                     CLI_REFUSED);
    char *text = capture_end(out);
    assert_non_null(strstr(text, "IE:uniz/mc-c0l2"));
    assert_non_null(strstr(text, "RN_ENOTFOUND"));
    assert_non_null(strstr(text, "\"decision.spec\""));
    free(text);
    /* Nothing was published: the decision is not on the log. */
    cli c;
    memset(&c, 0, sizeof(c));
    c.socket = srv.sock;
    uint8_t *buf = NULL;
    proto_entry e;
    proto_record *rec = malloc(sizeof(*rec));
    assert_int_equal(
        cli_record_get(&c, PROTO_KIND_DECISION, "IE:qqi/2025-2", UINT64_MAX, &buf, &e, rec),
        CLI_NEGATIVE);
    /* --force: the spec may not have arrived yet. */
    assert_int_equal(run("-s", srv.sock, "decision", "publish", "--id", "IE:qqi/2025-2", "--spec",
                         "IE:uniz/mc-c0l2", "--purpose", "employment", "--outcome", "full",
                         "--valid-from", "2025-01-01", "--force", NULL),
                     CLI_OK);
    assert_int_equal(
        cli_record_get(&c, PROTO_KIND_DECISION, "IE:qqi/2025-2", UINT64_MAX, &buf, &e, rec),
        CLI_OK);
    free(buf);
    free(rec);
    /* A pathway: one unknown eligible spec among known ones is refused, its position named. */
    capture_begin(out);
    assert_int_equal(run("-s", srv.sock, "--json", "pathway", "publish", "--id", "IE:qqi/pw-1",
                         "--title", "en=Minor", "--eqf", "6", "--ects-min", "10", "--mandatory",
                         "NL:42NB/ach-44ABA", "--eligible", "NL:UN1VH/ach-876543,IE:uniz/mc-c0l2",
                         "--valid-from", "2025-01-01", "--status", "active", NULL),
                     CLI_REFUSED);
    text = capture_end(out);
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    assert_non_null(j);
    json_t *err = json_object_get(j, "error");
    assert_string_equal(json_string_value(json_object_get(err, "field")), "pathway.eligible");
    assert_int_equal(json_integer_value(json_object_get(err, "index")), 1);
    json_decref(j);
    free(text);
    assert_int_equal(run("-s", srv.sock, "pathway", "publish", "--id", "IE:qqi/pw-1", "--title",
                         "en=Minor", "--eqf", "6", "--ects-min", "10", "--mandatory",
                         "NL:42NB/ach-44ABA", "--eligible", "NL:UN1VH/ach-876543", "--valid-from",
                         "2025-01-01", "--status", "active", NULL),
                     CLI_OK);
}

/* The Dutch badges: the minimal Theed minor (Naboo Theed University) and the MBO Beek
 * micro-credential derive the same provider and spec ids. Importing one over the other is
 * refused, naming both, unless --replace; an identical re-import is a no-op; a re-import with
 * --issuer-key keeps the window of a key already registered and adds only new keys. */
static int import_nl(const char *file, const char *extra, const char *extra2)
{
    return run("-s", srv.sock, "spec", "import", file, "--country", "NL", "--qa-status",
               "accredited", "--qa-body", "NVAO", "--isced", "0313", "--stackability", "stackable",
               "--qa-type", "internal", "--ects", "8", extra, extra2, NULL);
}

/* The issuer keys' valid_from and the legal name of the provider `id` the node holds. */
static void held_keys(const char *id, uint32_t *n, uint64_t from[4], proto_record *rec,
                      char name[64])
{
    cli c;
    uint8_t *buf = NULL;
    proto_entry e;
    memset(&c, 0, sizeof(c));
    c.socket = srv.sock;
    assert_int_equal(cli_record_get(&c, PROTO_KIND_PROVIDER, id, UINT64_MAX, &buf, &e, rec),
                     CLI_OK);
    *n = rec->u.provider.issuer_keys_n;
    for (uint32_t i = 0; i < *n && i < 4; i++)
        from[i] = rec->u.provider.issuer_keys[i].valid_from_ms;
    snprintf(name, 64, "%.*s", (int)rec->u.provider.legal_name.len,
             (const char *)rec->u.provider.legal_name.ptr);
    free(buf);
}

static void test_node_import_replace(void **state)
{
    char out[128], k1[128], k2[128];
    (void)state;
    const char *theed = OBV3("theed_microcredential_minimal_ho.json");
    const char *mbob = OBV3("mbob_eo_eov_microcredential_full.json");
    tpath(out, sizeof(out), "replace.txt");
    tpath(k1, sizeof(k1), "iss-1.key");
    tpath(k2, sizeof(k2), "iss-2.key");
    assert_int_equal(run("keygen", k1, NULL), CLI_OK);
    assert_int_equal(run("keygen", k2, NULL), CLI_OK);

    assert_int_equal(import_nl(theed, "--issuer-key", k1), CLI_OK);
    /* MBO Beek over Naboo Theed University: refused, both named, on stderr and under --json. */
    assert_int_equal(import_nl(mbob, NULL, NULL), CLI_REFUSED);
    capture_begin(out);
    assert_int_equal(run("-s", srv.sock, "--json", "spec", "import", mbob, "--country", "NL",
                         "--qa-status", "accredited", "--qa-body", "NVAO", "--isced", "0313",
                         "--stackability", "stackable", "--qa-type", "internal", "--ects", "8",
                         NULL),
                     CLI_REFUSED);
    char *text = capture_end(out);
    assert_non_null(strstr(text, "Naboo Theed University"));
    assert_non_null(strstr(text, "MBO Beek"));
    assert_non_null(strstr(text, "NL:iss-9Z8Y7X"));
    assert_non_null(strstr(text, "--replace"));
    free(text);
    /* The dry run says so too. */
    assert_int_equal(run("-s", srv.sock, "spec", "import", mbob, "-n", "--country", "NL",
                         "--qa-status", "accredited", "--qa-body", "NVAO", "--isced", "0313",
                         "--stackability", "stackable", "--qa-type", "internal", "--ects", "8",
                         NULL),
                     CLI_REFUSED);
    /* Nothing was replaced: the same Theed import is a no-op. */
    capture_begin(out);
    assert_int_equal(import_nl(theed, "--issuer-key", k1), CLI_OK);
    text = capture_end(out);
    assert_non_null(strstr(text, "provider NL:iss-9Z8Y7X: the node already holds this record"));
    assert_non_null(
        strstr(text, "spec NL:iss-9Z8Y7X/ach-44ABA: the node already holds this record"));
    free(text);

    /* --key-valid-from does not move the window of a registered key; a new key is added. */
    proto_record *rec = malloc(sizeof(*rec));
    uint32_t n;
    uint64_t from[4], first;
    char name[64];
    held_keys("NL:iss-9Z8Y7X", &n, from, rec, name);
    assert_int_equal(n, 1);
    first = from[0];
    assert_int_equal(run("-s", srv.sock, "spec", "import", theed, "--country", "NL", "--qa-status",
                         "accredited", "--qa-body", "NVAO", "--isced", "0313", "--stackability",
                         "stackable", "--qa-type", "internal", "--ects", "8", "--issuer-key", k1,
                         "--key-valid-from", "2030-01-01", NULL),
                     CLI_OK);
    held_keys("NL:iss-9Z8Y7X", &n, from, rec, name);
    assert_int_equal(n, 1);
    assert_int_equal(from[0], first);
    assert_int_equal(run("-s", srv.sock, "spec", "import", theed, "--country", "NL", "--qa-status",
                         "accredited", "--qa-body", "NVAO", "--isced", "0313", "--stackability",
                         "stackable", "--qa-type", "internal", "--ects", "8", "--issuer-key", k2,
                         "--key-valid-from", "2025-03-01", NULL),
                     CLI_OK);
    held_keys("NL:iss-9Z8Y7X", &n, from, rec, name);
    assert_int_equal(n, 2);
    assert_int_equal(from[0], first);
    assert_int_equal(from[1], T_2025_03_01);
    assert_string_equal(name, "Naboo Theed University");

    /* --replace: MBO Beek replaces it, keeping the registered keys. */
    assert_int_equal(import_nl(mbob, "--replace", NULL), CLI_OK);
    held_keys("NL:iss-9Z8Y7X", &n, from, rec, name);
    assert_int_equal(n, 2);
    assert_string_equal(name, "MBO Beek");
    free(rec);
}

/* A dry run asks the node it talks to for its country: a Dutch file on Ireland's node is refused
 * with RN_EPREFIX as the real import is; without a node it says it could not check. */
static void test_node_dry_run_prefix(void **state)
{
    char out[128], none[128];
    (void)state;
    tpath(out, sizeof(out), "dry-prefix.txt");
    tpath(none, sizeof(none), "no-node.sock");
    const char *theed = OBV3("theed_microcredential_minimal_ho.json");
    capture_begin(out);
    assert_int_equal(run("-s", srv.sock, "--json", "spec", "import", theed, "--dry-run",
                         "--country", "NL", "--qa-status", "accredited", "--qa-body", "NVAO",
                         "--isced", "0313", "--stackability", "stackable", "--qa-type", "internal",
                         "--ects", "8", NULL),
                     CLI_REFUSED);
    char *text = capture_end(out);
    assert_non_null(strstr(text, "RN_EPREFIX"));
    assert_non_null(strstr(text, "provider.id"));
    free(text);
    /* The real import: the same code. */
    assert_int_equal(run("-s", srv.sock, "spec", "import", theed, "--country", "NL", "--qa-status",
                         "accredited", "--qa-body", "NVAO", "--isced", "0313", "--stackability",
                         "stackable", "--qa-type", "internal", "--ects", "8", NULL),
                     CLI_REFUSED);
    /* An Irish file on Ireland's node: the dry run passes, naming the node's country. */
    capture_begin(out);
    assert_int_equal(run("-s", srv.sock, "--json", "spec", "import", ELM, "--dry-run",
                         "--qa-status", "under_review", "--qa-type", "internal", NULL),
                     CLI_OK);
    text = capture_end(out);
    assert_non_null(strstr(text, "\"node_country\": \"IE\""));
    free(text);
    /* No node there: not checked, said, and the dry run proceeds. */
    capture_begin(out);
    assert_int_equal(run("-s", none, "spec", "import", theed, "--dry-run", "--country", "NL",
                         "--qa-status", "accredited", "--qa-body", "NVAO", "--isced", "0313",
                         "--stackability", "stackable", "--qa-type", "internal", "--ects", "8",
                         NULL),
                     CLI_OK);
    text = capture_end(out);
    assert_non_null(strstr(text, "could not be asked"));
    free(text);
}

static void test_node_vcjwt(void **state)
{
    char other[PROTO_KEY_TEXT_LEN + 1];
    (void)state;
    atomic_store(&srv.now, T_2025_03_20);
    fixture_key(VCJWT("other.pub"), other);
    /* The Theed minor, issued 2024-08-30 under NL:42NB/ach-44ABA: its issuer's country is
     * Naboo, so the spec is named; recognised in Germany by the German policy. */
    verify_says(VCJWT("theed_full.jwt"), "DE", "employment", "NL:42NB/ach-44ABA", CLI_OK,
                "VALID and RECOGNISED");
    /* Without --spec the badge names no spec (XX is not a country): a usage error. */
    assert_int_equal(
        run("-s", srv.sock, "credential", "verify", VCJWT("theed_full.jwt"), "DE", "both", NULL),
        CLI_USAGE);
    /* Harderwijk: the spec id is the one its import derives. */
    assert_int_equal(
        run("-s", srv.sock, "credential", "verify", VCJWT("uvh_full.jwt"), "DE", "both", NULL),
        CLI_OK);
    /* Not recognised in France (no decision): valid but negative. */
    assert_int_equal(run("-s", srv.sock, "credential", "verify", VCJWT("uvh_full.jwt"), "FR",
                         "further_study", NULL),
                     CLI_NEGATIVE);
    /* Signed by a key no provider registered: no registered key verifies it. */
    verify_says(VCJWT("theed_full_other_key.jwt"), "DE", "employment", "NL:42NB/ach-44ABA",
                CLI_NEGATIVE, "by none of the 1 issuer key(s) of NL:42NB");
    /* The same with that key given: the signature verifies, the registry says the key is not
     * the provider's. */
    assert_int_equal(run("-s", srv.sock, "credential", "verify", VCJWT("theed_full_other_key.jwt"),
                         "DE", "employment", "--spec", "NL:42NB/ach-44ABA", "--issuer-key", other,
                         NULL),
                     CLI_NEGATIVE);
    /* Tampered payload. */
    verify_says(VCJWT("theed_full_tampered.jwt"), "DE", "employment", "NL:42NB/ach-44ABA",
                CLI_NEGATIVE, "DOES NOT VERIFY");
    /* A wrong alg: refused before any key is tried. */
    assert_int_equal(run("-s", srv.sock, "credential", "verify", VCJWT("theed_full_hs256.jwt"),
                         "DE", "employment", "--spec", "NL:42NB/ach-44ABA", NULL),
                     CLI_REFUSED);
    /* The minimal badge was issued in 2014, before the key (2024-08-01) was registered, and
     * before the spec was: not valid. */
    verify_says(VCJWT("theed_minimal.jwt"), "DE", "employment", "NL:42NB/ach-44ABA", CLI_NEGATIVE,
                "NOT a key of the spec's provider active at the issue date");
    /* A spec the node does not hold. */
    assert_int_equal(run("-s", srv.sock, "credential", "verify", VCJWT("theed_full.jwt"), "DE",
                         "employment", "--spec", "NL:42NB/nothing", NULL),
                     CLI_NEGATIVE);
}

/* The Theed badge's payload signed again by `t` with `alg`, into tmp/name. */
static void resign_theed(const test_issuer *t, cred_alg alg, const char *name, char *path,
                         size_t len)
{
    FILE *f = fopen(VCJWT("theed_full.jwt"), "rb");
    char text[16384];
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    char *dot = strchr(text, '.'), *dot2 = dot != NULL ? strchr(dot + 1, '.') : NULL;
    assert_non_null(dot2);
    size_t plen = 0;
    uint8_t *payload = NULL;
    assert_int_equal(cred_b64url_decode(dot + 1, (size_t)(dot2 - dot - 1), &payload, &plen), 0);
    json_error_t je;
    json_t *p = json_loadb((const char *)payload, plen, 0, &je), *h = json_object();
    assert_non_null(p);
    json_object_set_new(h, "alg", json_string(cred_alg_name(alg)));
    json_object_set_new(h, "typ", json_string("JWT"));
    char *jws = test_jws(t, alg, h, p);
    tpath(path, len, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    fputs(jws, f);
    fclose(f);
    free(jws);
    free(payload);
    json_decref(p);
    json_decref(h);
}

/* RS256 and ES256 badges verify against the JWKs the provider registered (issuer_keys_ext), with
 * the node asked by the key's id; a key registered nowhere verifies nothing. */
static void test_node_vcjwt_registered_jwk(void **state)
{
    char es[128], rs[128], other[128];
    (void)state;
    atomic_store(&srv.now, T_2025_03_20);
    resign_theed(&es_issuer, CRED_ALG_ES256, "theed-es256.jwt", es, sizeof(es));
    resign_theed(&rs_issuer, CRED_ALG_RS256, "theed-rs256.jwt", rs, sizeof(rs));
    resign_theed(&stranger, CRED_ALG_ES256, "theed-stranger.jwt", other, sizeof(other));
    verify_says(es, "DE", "employment", "NL:42NB/ach-44ABA", CLI_OK, "VALID and RECOGNISED");
    verify_says(rs, "DE", "employment", "NL:42NB/ach-44ABA", CLI_OK, "VALID and RECOGNISED");
    verify_says(other, "DE", "employment", "NL:42NB/ach-44ABA", CLI_NEGATIVE,
                "by none of the 3 issuer key(s) of NL:42NB");
}

/* The binding (PROTOCOL.md 3.5, spec.source_ids): the import bound NL:42NB/ach-44ABA to the
 * badge's achievement, so the badge of the 3-ECTS minor presented as the 17.86-ECTS course of
 * the same provider is refused, naming the spec it is bound to; presented as a spec bound to
 * another achievement, it is refused too; under its own spec it verifies. */
/* `credential verify --json FILE DE employment --spec SPEC` exits `rc` and its output holds
 * `needle` (a refusal is the {"error": ...} object on stdout). */
static void verify_json_says(const char *file, const char *spec, int rc, const char *needle)
{
    char out[128];
    tpath(out, sizeof(out), "verify-json.txt");
    capture_begin(out);
    int got = run("-s", srv.sock, "--json", "credential", "verify", file, "DE", "employment",
                  "--spec", spec, NULL);
    char *text = capture_end(out);
    if (got != rc || strstr(text, needle) == NULL)
        fail_msg("%s: exit %d (expected %d), output:\n%s\n(expected \"%s\")", file, got, rc, text,
                 needle);
    free(text);
}

static void test_node_vcjwt_binding(void **state)
{
    (void)state;
    atomic_store(&srv.now, T_2025_03_20);
    verify_json_says(VCJWT("theed_full.jwt"), "NL:42NB/course-1786", CLI_NEGATIVE,
                     "the badge's achievement https://example.com/achievements/ach-44ABA is bound "
                     "to spec NL:42NB/ach-44ABA, not NL:42NB/course-1786");
    verify_json_says(VCJWT("theed_full.jwt"), "NL:UN1VH/ach-876543", CLI_NEGATIVE,
                     "is not what spec NL:UN1VH/ach-876543 was imported from "
                     "(https://example.com/achievements/ach-876543)");
    verify_says(VCJWT("theed_full.jwt"), "DE", "employment", "NL:42NB/ach-44ABA", CLI_OK,
                "VALID and RECOGNISED");
    /* The Harderwijk badge, no --spec: the spec its import derives, which is bound to it. */
    assert_int_equal(
        run("-s", srv.sock, "credential", "verify", VCJWT("uvh_full.jwt"), "DE", "both", NULL),
        CLI_OK);
}

/* ---- Setup ---- */

static int group_setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof(tmp), "/tmp/import_test.XXXXXX");
    if (mkdtemp(tmp) == NULL || sodium_init() < 0)
        return -1;
    authority_init(&ie, 0x11);
    authority_init(&nl, 0x22);
    authority_init(&fr, 0x33);
    authority_init(&de, 0x44);
    test_issuer_make(&es_issuer, CRED_KTY_P256, 0);
    test_issuer_make(&rs_issuer, CRED_KTY_RSA, 0);
    test_issuer_make(&stranger, CRED_KTY_P256, 0);
    unsetenv("RECNET_DIR");
    unsetenv("RECNET_SOCKET");
    if (freopen("/dev/null", "w", stdout) == NULL)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    return test_rmtree(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_fixtures),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_cli_dry_run),
        cmocka_unit_test(test_sealed_elm),
        cmocka_unit_test(test_roundtrip_log),
        cmocka_unit_test_setup_teardown(test_node_envelopes, node_setup, node_teardown),
        cmocka_unit_test_setup_teardown(test_node_vcjwt, node_setup, node_teardown),
        cmocka_unit_test_setup_teardown(test_node_vcjwt_binding, node_setup, node_teardown),
        cmocka_unit_test_setup_teardown(test_node_vcjwt_registered_jwk, node_setup_ext,
                                        node_teardown),
        cmocka_unit_test_setup_teardown(test_node_unknown_spec, node_setup, node_teardown),
        cmocka_unit_test_setup_teardown(test_node_import_replace, node_setup_nl, node_teardown_nl),
        cmocka_unit_test_setup_teardown(test_node_dry_run_prefix, node_setup, node_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
