/*
 * import.h: a micro-credential from the two public formats onto recnet's records: the European
 * Learning Model v3 (ELM, JSON-LD, Europass's format) and Open Badges 3.0 with the Dutch
 * micro-credential extensions (a W3C Verifiable Credential whose achievement carries ECTS, an EQF
 * alignment, assessmentType, participationType, supervisionType and a QA alignment).
 *
 * The import reads a credential file and writes two JSON records in the publish form of
 * recjson.h (field names of PROTOCOL.md section 3): the awarding body (provider) and the
 * specification (spec), every Annex I element the file carries. What the file does not carry is
 * never invented: each such element is reported by name, and a mandatory one (an ISCED-F field,
 * a QA status, a country that is one of the 30) must then come from the command line, whose values
 * are applied on top of the file's. cli/README.md ("Importing ELM and Open Badges") has the mapping
 * element by element; the code below follows it table by table.
 *
 * Nothing of the learner is read: an ELM file names the learner (fullName, dateOfBirth,
 * nationalID), an Open Badges file its subject and result; the import reads only the awarding body
 * and the achievement's specification, so no personal data can reach a log.
 *
 * Workload: a file is a few kilobytes (the ELM sample is 40 KiB of JSON), read once per command.
 */
#ifndef RN_CLI_IMPORT_H
#define RN_CLI_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "cred/cred.h"
#include "proto/error.h"

/* A credential file is at most this big: real ones are tens of kilobytes, with images. */
#define IMP_FILE_BYTES_MAX (4u << 20)

/* Reports kept per import: one per Annex I element at most, plus notes. */
#define IMP_REPORTS_MAX   64u
#define IMP_TEXT_BYTES    384u
#define IMP_WHY_BYTES     512u
#define IMP_REF_BYTES_MAX 60u /* an id's reference part derived from the file */

typedef enum imp_format {
    IMP_NONE = 0,
    IMP_ELM,  /* European Learning Model v3 */
    IMP_OBV3, /* Open Badges 3.0 */
} imp_format;

/* What a report says about an element. */
typedef enum imp_level {
    IMP_LACK_REQUIRED = 1, /* mandatory, not in the file: the flag must give it */
    IMP_LACK_OPTIONAL,     /* optional, not in the file: the record goes without it */
    IMP_NOTE,              /* how an element was read, or what was left out and why */
} imp_level;

typedef struct imp_report {
    imp_level level;
    const char *field;         /* "spec.isced"; static */
    const char *element;       /* "ISCED-F field of education"; static */
    const char *flag;          /* "--isced CODE", or NULL when no flag gives it; static */
    char text[IMP_TEXT_BYTES]; /* why, or what was done */
    bool resolved;             /* a lack that a flag has since filled */
} imp_report;

/* The command line's values (NULL when not given), applied on top of the file. Each names a
 * provider or spec field (import.c's flag table). */
typedef struct imp_flags {
    const char *provider_id, *spec_id;
    const char *country, *qa_status, *qa_body;
    const char *isced, *ects, *eqf, *qa_type, *assessment, *participation, *supervision;
    const char *stackability, *part_of, *languages, *valid_from, *valid_until;
    const char *issuer_key;     /* rn1:... (cmd_import.c reads a key file into this form) */
    const char *key_valid_from; /* default: the spec's valid_from */
} imp_flags;

typedef struct imp_result {
    imp_format format;
    json_t *provider; /* the provider record as publish JSON (owned) */
    json_t *spec;     /* the spec record as publish JSON (owned) */
    unsigned reports_n;
    imp_report reports[IMP_REPORTS_MAX];
    char prov_ref[IMP_REF_BYTES_MAX + 1]; /* derived id parts ("" when the file has none) */
    char spec_ref[IMP_REF_BYTES_MAX + 1];
} imp_result;

/* "European Learning Model v3" or "Open Badges 3.0". Static. */
const char *imp_format_name(imp_format f);

/*
 * Detects the format of the JSON document `doc` and maps it, with the flags `fl` on top, onto
 * r->provider and r->spec. Lacks and notes go to r->reports. Ids: the flags' when given, else
 * derived as <CC>:<ref> and <provider id>/<ref>, the refs from the file (registration number or
 * identifier; the specification's or credential's notation, or the achievement's id).
 *
 * Returns 0 (the records may still lack mandatory elements: imp_missing_required), or an error
 * with `why` saying what is wrong where:
 *  RN_EKIND      neither format (or not a JSON object)
 *  RN_EMISSING   the format's core is absent (no hasClaim.specifiedBy, no achievement)
 *  RN_ETYPE      a value of the wrong JSON type where the format fixes it
 *  RN_EISCED     an ISCED-F URI or code not in the list
 *  RN_EEQF       an EQF URI or level outside 1-8
 *  RN_EVOCAB     an Open Badges Annex I value outside its vocabulary
 *  RN_EECTS      ECTS that are not a number of hundredths within bounds
 *  RN_EINVAL     a flag value that is malformed (a flag names its field in `why`)
 *  RN_ENOMEM
 * Free r with imp_result_free in every case.
 */
RN_MUST_USE int imp_map(json_t *doc, const imp_flags *fl, imp_result *r, char *why, size_t why_len);

/* The number of mandatory elements still lacking (reports IMP_LACK_REQUIRED not resolved). */
unsigned imp_missing_required(const imp_result *r);

void imp_result_free(imp_result *r);

/*
 * A sealed European Digital Credential (JAdES, the JWS JSON serialization: "payload" and
 * "signatures", the sealer's certificate chain in the protected header's x5c) is unwrapped
 * before it is mapped: the seal is verified with cred_seal_check (cred/cred.h) against the
 * certificate it carries, its validity at now_ms, and the chain to `trust` (the operator's PEM
 * anchors; NULL: "chain: not checked").
 *
 * When `doc` has a seal's shape, *payload receives the sealed credential (a new reference, to be
 * mapped with imp_map) and `rep` the seal's checks (rep->sealer the certificate's subject);
 * otherwise *payload is NULL and rep->n is 0. rep is initialised here in every case (free it
 * with cred_report_free). Returns 0, or, for a document shaped like a seal that is not one, an
 * error of cred_seal_check with `why`: RN_EMALFORMED (the JWS or its payload does not decode),
 * RN_EINVAL (an alg refused), RN_EKIND (no x5c), RN_ECOUNT (several signatures), RN_ETOOBIG,
 * RN_ENOMEM.
 */
RN_MUST_USE int imp_unseal(json_t *doc, const cred_trust *trust, uint64_t now_ms, cred_report *rep,
                           json_t **payload, char *why, size_t why_len);

/* Whether a seal's report lets the import go on: IMP_SEAL_OK when no check failed;
 * IMP_SEAL_FORCEABLE when the seal verifies with the certificate's key (the payload is what
 * that key sealed) but the certificate is not valid at the time, its thumbprint differs, or it
 * does not chain to the trust anchors: --force imports it; IMP_SEAL_BROKEN when the seal does not
 * verify or the certificate cannot be read: never imported. *failed names the first failed check
 * (NULL when none). */
typedef enum imp_seal_verdict {
    IMP_SEAL_OK = 0,
    IMP_SEAL_FORCEABLE,
    IMP_SEAL_BROKEN,
} imp_seal_verdict;

imp_seal_verdict imp_seal_verdict_of(const cred_report *rep, const cred_check **failed);

#endif /* RN_CLI_IMPORT_H */
