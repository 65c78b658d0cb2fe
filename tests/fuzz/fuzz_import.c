/*
 * fuzz_import.c: libFuzzer harness for the ELM / Open Badges importer (imp_map, api/import.h).
 *
 * `recnetctl spec import` reads credential files that come from outside the federation (a
 * Europass export, a badge a provider sends), so the mapping must survive any JSON of any shape:
 * JSON-LD objects where a string was expected, lists of one, deep nesting. The input is the JSON
 * text, loaded as the CLI loads it; each document is mapped twice, once with no flags and once
 * with every flag given (as tests/unit/import_test.c gives them).
 * Beside not crashing, the harness checks that
 *  - a refused document gives one of the codes the header lists and a NUL-terminated reason;
 *  - an accepted one names its format, returns two JSON objects and at most IMP_REPORTS_MAX
 *    reports, each with a NUL-terminated text, and a field and an element when it is a lack;
 *  - with every flag given, a mandatory element lacks only when no flag gives it; when none
 *    lacks, the two records go through rec_from_json, and when accepted they are valid;
 *  - a document shaped as a sealed credential is unwrapped with imp_unseal: refused with a code
 *    of its list, or unwrapped into a JSON object with a report whose verdict names a failed
 *    check unless none failed; the payload is then mapped as a file is.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "api/import.h"
#include "api/recjson.h"

static void map(json_t *doc, const imp_flags *fl, bool full)
{
    static imp_result r; /* 25 KiB of reports */
    static rec_bytes pb, sb;
    char why[IMP_WHY_BYTES];
    why[0] = '\0';
    int rc = imp_map(doc, fl, &r, why, sizeof(why));
    if (rc != 0) {
        RN_ASSERT(rc == RN_EKIND || rc == RN_EMISSING || rc == RN_ETYPE || rc == RN_EISCED ||
                  rc == RN_EEQF || rc == RN_EVOCAB || rc == RN_EECTS || rc == RN_EINVAL ||
                  rc == RN_ENOMEM);
        RN_ASSERT(memchr(why, '\0', sizeof(why)) != NULL);
        imp_result_free(&r);
        return;
    }
    RN_ASSERT(r.format == IMP_ELM || r.format == IMP_OBV3);
    RN_ASSERT(imp_format_name(r.format) != NULL);
    RN_ASSERT(json_is_object(r.provider) && json_is_object(r.spec));
    RN_ASSERT(r.reports_n <= IMP_REPORTS_MAX);
    for (unsigned i = 0; i < r.reports_n; i++) {
        const imp_report *p = &r.reports[i];
        RN_ASSERT(p->level == IMP_LACK_REQUIRED || p->level == IMP_LACK_OPTIONAL ||
                  p->level == IMP_NOTE);
        /* A lack names its element; a note may be about the file as a whole. */
        RN_ASSERT(p->level == IMP_NOTE || (p->field != NULL && p->element != NULL));
        RN_ASSERT(memchr(p->text, '\0', sizeof(p->text)) != NULL);
    }
    RN_ASSERT(strlen(r.prov_ref) <= IMP_REF_BYTES_MAX && strlen(r.spec_ref) <= IMP_REF_BYTES_MAX);
    if (full) {
        /* Every flag given: what still lacks is what no flag gives (a title, outcomes). */
        for (unsigned i = 0; i < r.reports_n; i++)
            RN_ASSERT(r.reports[i].level != IMP_LACK_REQUIRED || r.reports[i].resolved ||
                      r.reports[i].flag == NULL);
    }
    if (full && imp_missing_required(&r) == 0) {
        proto_record prov, spec;
        rec_err e;
        if (rec_from_json(&prov, PROTO_KIND_PROVIDER, r.provider, &pb, &e) == 0)
            RN_ASSERT(proto_record_validate(&prov, NULL) == 0);
        if (rec_from_json(&spec, PROTO_KIND_SPEC, r.spec, &sb, &e) == 0)
            RN_ASSERT(proto_record_validate(&spec, NULL) == 0);
    }
    imp_result_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        RN_ASSERT(sodium_init() >= 0);
        ready = true;
    }
    json_error_t je;
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
    if (doc == NULL)
        return 0;
    imp_flags fl;
    memset(&fl, 0, sizeof(fl));
    map(doc, &fl, false);
    fl.provider_id = "NL:fuzz";
    fl.spec_id = "NL:fuzz/spec";
    fl.ects = "5";
    fl.eqf = "6";
    fl.assessment = "testing";
    fl.participation = "online";
    fl.supervision = "supervised online";
    fl.stackability = "stand_alone";
    fl.languages = "en,nl";
    fl.valid_from = "2024-09-01";
    fl.country = "NL";
    fl.qa_status = "accredited";
    fl.qa_body = "NVAO";
    fl.qa_type = "internal";
    fl.isced = "0313";
    fl.issuer_key = "rn1:5o5O+U6yUUqZuuq8Jam1mECWqXFeyAicr7lvBcFm2Y0=";
    fl.key_valid_from = "2024-08-01";
    map(doc, &fl, true);
    if (cred_seal_is(doc)) {
        static cred_report rep; /* 35 KiB of checks */
        json_t *inner = NULL;
        char why[IMP_WHY_BYTES];
        int rc = imp_unseal(doc, NULL, 1767225600000ull, &rep, &inner, why, sizeof(why));
        if (rc < 0) {
            RN_ASSERT(rc == RN_EMALFORMED || rc == RN_EINVAL || rc == RN_EKIND || rc == RN_ECOUNT ||
                      rc == RN_ENOMEM || rc == RN_ETOOBIG);
            RN_ASSERT(inner == NULL && memchr(why, '\0', sizeof(why)) != NULL);
        } else {
            const cred_check *bad;
            imp_seal_verdict v = imp_seal_verdict_of(&rep, &bad);
            RN_ASSERT(json_is_object(inner));
            RN_ASSERT(v == IMP_SEAL_BROKEN || (v == IMP_SEAL_OK) == (bad == NULL));
            map(inner, &fl, true);
        }
        json_decref(inner);
        cred_report_free(&rep);
    }
    json_decref(doc);
    return 0;
}
