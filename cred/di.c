/*
 * di.c: Data Integrity proofs with Ed25519 (cred/di.h). The verification algorithms of the
 * EdDSA cryptosuites (sections 3.2 and 3.3 of the Recommendation) reduce to one shape: split
 * the proof off, build the proof configuration, hash both (transformation + hashing), verify
 * the signature; only the transformation differs (RDFC-1.0 of the JSON-LD, or JCS).
 */
#include "cred/di.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cred/codec.h"
#include "cred/jcs.h"
#include "cred/jsonld.h"
#include "cred/nquads.h"
#include "cred/rdfc.h"

int cred_multikey_ed25519(const char *text, uint8_t pk[32])
{
    uint8_t b[40];
    size_t n;
    if (text == NULL || text[0] != 'z' ||
        cred_multibase_decode(text, strlen(text), b, sizeof(b), &n) < 0 || n != 34 ||
        b[0] != 0xED || b[1] != 0x01)
        return RN_EKEY;
    memcpy(pk, b + 2, 32);
    return 0;
}

const char *cred_di_suite_name(cred_di_suite suite)
{
    switch (suite) {
    case CRED_DI_EDDSA_RDFC_2022:
        return "eddsa-rdfc-2022";
    case CRED_DI_EDDSA_JCS_2022:
        return "eddsa-jcs-2022";
    case CRED_DI_ED25519_2020:
        return "Ed25519Signature2020";
    case CRED_DI_EDDSA_2022:
        return "eddsa-2022";
    case CRED_DI_SUITE_UNKNOWN:
    default:
        return "unknown";
    }
}

static cred_di_suite suite_of(const json_t *proof)
{
    const char *type = json_string_value(json_object_get(proof, "type"));
    const char *cs = json_string_value(json_object_get(proof, "cryptosuite"));
    if (!type)
        return CRED_DI_SUITE_UNKNOWN;
    if (strcmp(type, "Ed25519Signature2020") == 0)
        return CRED_DI_ED25519_2020;
    if (strcmp(type, "DataIntegrityProof") != 0 || !cs)
        return CRED_DI_SUITE_UNKNOWN;
    if (strcmp(cs, "eddsa-rdfc-2022") == 0)
        return CRED_DI_EDDSA_RDFC_2022;
    if (strcmp(cs, "eddsa-jcs-2022") == 0)
        return CRED_DI_EDDSA_JCS_2022;
    if (strcmp(cs, "eddsa-2022") == 0)
        return CRED_DI_EDDSA_2022;
    return CRED_DI_SUITE_UNKNOWN;
}

static int why(char *err, size_t errlen, int code, const char *fmt, const char *arg)
{
    if (err && errlen && !err[0])
        snprintf(err, errlen, fmt, arg ? arg : "");
    return code;
}

/* SHA-256 of the canonical N-Quads of a JSON-LD value. */
static int rdfc_digest(const json_t *v, uint8_t out[32], char *err, size_t errlen)
{
    cred_dataset ds;
    cred_dataset_init(&ds, 0);
    char jerr[CRED_JSONLD_ERR_CHARS];
    int rc = cred_jsonld_to_rdf(v, &ds, jerr, sizeof(jerr));
    if (rc < 0)
        why(err, errlen, rc, "%s", jerr);
    else if ((rc = cred_rdfc_hash(&ds, out)) < 0)
        why(err, errlen, rc, "RDF canonicalization failed: %s", rn_strerror(rc));
    cred_dataset_free(&ds);
    return rc;
}

int cred_di_hash(const json_t *doc, const json_t *proof, uint8_t data[64], char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!json_is_object(doc) || !json_is_object(proof))
        return why(err, errlen, RN_ETYPE, "the document and its proof must be JSON objects", NULL);
    cred_di_suite suite = suite_of(proof);
    if (suite == CRED_DI_SUITE_UNKNOWN)
        return why(err, errlen, RN_EENUM, "unsupported proof suite", NULL);
    if (json_object_get(proof, "previousProof"))
        return why(err, errlen, RN_EINVAL, "proof chains (previousProof) are not supported", NULL);
    int rc = 0;
    json_t *unsecured = json_copy((json_t *)doc);
    json_t *config = json_copy((json_t *)proof);
    if (!unsecured || !config) {
        rc = RN_ENOMEM;
        goto out;
    }
    json_object_del(unsecured, "proof");
    json_object_del(config, "proofValue");
    json_t *dctx = json_object_get(doc, "@context");
    json_t *pctx = json_object_get(proof, "@context");
    if (pctx) {
        /* The proof's contexts must begin the document's, in the same order. */
        json_t *pa = json_is_array(pctx) ? pctx : NULL;
        json_t *da = json_is_array(dctx) ? dctx : NULL;
        size_t pn = pa ? json_array_size(pa) : 1, dn = da ? json_array_size(da) : (dctx ? 1 : 0);
        bool ok = pn <= dn;
        for (size_t i = 0; ok && i < pn; i++)
            ok = json_equal(pa ? json_array_get(pa, i) : pctx, da ? json_array_get(da, i) : dctx);
        if (!ok) {
            rc = why(err, errlen, RN_EINCONSISTENT,
                     "the proof's @context does not begin the document's @context", NULL);
            goto out;
        }
        json_object_set(unsecured, "@context", pctx);
    } else if (dctx) {
        json_object_set(config, "@context", dctx);
    }
    if (suite == CRED_DI_EDDSA_JCS_2022) {
        if ((rc = cred_jcs_hash(config, data)) < 0 ||
            (rc = cred_jcs_hash(unsecured, data + 32)) < 0)
            why(err, errlen, rc, "JSON canonicalization failed: %s", rn_strerror(rc));
    } else {
        if ((rc = rdfc_digest(config, data, err, errlen)) == 0)
            rc = rdfc_digest(unsecured, data + 32, err, errlen);
    }
out:
    json_decref(unsecured);
    json_decref(config);
    return rc;
}

static void copy_str(char *dst, size_t cap, const json_t *v)
{
    const char *s = json_string_value(v);
    snprintf(dst, cap, "%s", s ? s : "");
}

/* Verifies one proof object; fills the proof's fields of out. */
static int verify_one(const json_t *doc, const json_t *proof, cred_di_resolve_fn resolve, void *ctx,
                      cred_di_result *out)
{
    char *err = out->reason;
    size_t errlen = sizeof(out->reason);
    err[0] = '\0';
    if (!json_is_object(proof))
        return why(err, errlen, RN_ETYPE, "a proof is not a JSON object", NULL);
    copy_str(out->type, sizeof(out->type), json_object_get(proof, "type"));
    copy_str(out->cryptosuite, sizeof(out->cryptosuite), json_object_get(proof, "cryptosuite"));
    copy_str(out->verification_method, sizeof(out->verification_method),
             json_object_get(proof, "verificationMethod"));
    copy_str(out->created, sizeof(out->created), json_object_get(proof, "created"));
    copy_str(out->proof_purpose, sizeof(out->proof_purpose),
             json_object_get(proof, "proofPurpose"));
    out->suite = suite_of(proof);
    if (!json_object_get(proof, "type"))
        return why(err, errlen, RN_EMISSING, "the proof has no type", NULL);
    if (out->suite == CRED_DI_SUITE_UNKNOWN) {
        char what[128];
        snprintf(what, sizeof(what), "%.60s%s%.60s", out->type, out->cryptosuite[0] ? " with " : "",
                 out->cryptosuite);
        return why(err, errlen, RN_EENUM,
                   "unsupported proof suite %s (supported: eddsa-rdfc-2022, its draft name "
                   "eddsa-2022, eddsa-jcs-2022, Ed25519Signature2020)",
                   what);
    }
    json_t *vm = json_object_get(proof, "verificationMethod");
    json_t *pv = json_object_get(proof, "proofValue");
    if (!vm || !pv)
        return why(err, errlen, RN_EMISSING,
                   !vm ? "the proof has no verificationMethod" : "the proof has no proofValue",
                   NULL);
    if (!json_is_string(vm) || !json_is_string(pv))
        return why(err, errlen, RN_ETYPE, "verificationMethod and proofValue must be strings",
                   NULL);
    uint8_t sig[64 + 8];
    size_t siglen;
    const char *pvs = json_string_value(pv);
    int rc = pvs[0] == 'z'
                 ? cred_multibase_decode(pvs, json_string_length(pv), sig, sizeof(sig), &siglen)
                 : RN_EMALFORMED;
    if (rc < 0 || siglen != 64)
        return why(err, errlen, RN_EMALFORMED,
                   "proofValue is not base58btc multibase of a 64-byte Ed25519 signature", NULL);
    uint8_t pk[32];
    if ((rc = resolve(ctx, json_string_value(vm), pk)) < 0)
        return why(err, errlen, rc, "the verification method %s could not be resolved",
                   json_string_value(vm));
    uint8_t data[64];
    RN_TRY(cred_di_hash(doc, proof, data, err, errlen));
    if (crypto_sign_verify_detached(sig, data, sizeof(data), pk) != 0)
        return why(err, errlen, RN_ESIG,
                   "the signature does not verify: the credential or its proof was changed, or "
                   "the key of %s did not sign it",
                   json_string_value(vm));
    return 0;
}

int cred_di_verify(const json_t *doc, cred_di_resolve_fn resolve, void *ctx, cred_di_result *out)
{
    memset(out, 0, sizeof(*out));
    json_t *proofs = json_object_get(doc, "proof");
    if (!json_is_object(doc) || !proofs) {
        out->code = why(out->reason, sizeof(out->reason), RN_EMISSING,
                        "the credential has no Data Integrity proof", NULL);
        return out->code;
    }
    size_t n = json_is_array(proofs) ? json_array_size(proofs) : 1;
    out->proofs = n;
    if (n == 0) {
        out->code = why(out->reason, sizeof(out->reason), RN_EMISSING,
                        "the credential's proof set is empty", NULL);
        return out->code;
    }
    cred_di_result first, cur;
    bool have_first = false;
    for (size_t i = 0; i < n; i++) {
        const json_t *p = json_is_array(proofs) ? json_array_get(proofs, i) : proofs;
        memset(&cur, 0, sizeof(cur));
        cur.proofs = n;
        cur.proof_index = i;
        cur.code = verify_one(doc, p, resolve, ctx, &cur);
        if (cur.code == 0) {
            *out = cur;
            return 0;
        }
        /* Keep the first failure of a supported suite (else the first failure). */
        if (!have_first ||
            (first.suite == CRED_DI_SUITE_UNKNOWN && cur.suite != CRED_DI_SUITE_UNKNOWN)) {
            first = cur;
            have_first = true;
        }
    }
    *out = first;
    return out->code;
}

static int sign_with_sk(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[64])
{
    crypto_sign_detached(sig, NULL, msg, len, (const uint8_t *)ctx);
    return 0;
}

int cred_di_sign(const json_t *doc, cred_di_suite suite, const uint8_t sk[64],
                 const char *verification_method, const char *created, json_t **out)
{
    return cred_di_sign_with(doc, suite, sign_with_sk, (void *)(uintptr_t)sk, verification_method,
                             created, out);
}

int cred_di_sign_with(const json_t *doc, cred_di_suite suite, cred_di_sign_fn sign, void *ctx,
                      const char *verification_method, const char *created, json_t **out)
{
    *out = NULL;
    if (!json_is_object(doc) || json_object_get(doc, "proof") || suite == CRED_DI_SUITE_UNKNOWN ||
        suite == CRED_DI_EDDSA_2022)
        return RN_EINVAL;
    json_t *proof = json_object();
    if (!proof)
        return RN_ENOMEM;
    json_object_set_new(
        proof, "type",
        json_string(suite == CRED_DI_ED25519_2020 ? "Ed25519Signature2020" : "DataIntegrityProof"));
    if (suite != CRED_DI_ED25519_2020)
        json_object_set_new(proof, "cryptosuite", json_string(cred_di_suite_name(suite)));
    json_object_set_new(proof, "created", json_string(created));
    json_object_set_new(proof, "verificationMethod", json_string(verification_method));
    json_object_set_new(proof, "proofPurpose", json_string("assertionMethod"));
    uint8_t data[64], sig[64];
    char err[CRED_DI_TEXT_CHARS];
    int rc = cred_di_hash(doc, proof, data, err, sizeof(err));
    if (rc < 0) {
        json_decref(proof);
        return rc;
    }
    rc = sign(ctx, data, sizeof(data), sig);
    sodium_memzero(data, sizeof(data));
    if (rc < 0) {
        json_decref(proof);
        return rc;
    }
    char text[128];
    RN_ASSERT(cred_multibase_encode(sig, sizeof(sig), text, sizeof(text)) == 0);
    json_object_set_new(proof, "proofValue", json_string(text));
    json_t *signed_doc = json_copy((json_t *)doc);
    if (!signed_doc) {
        json_decref(proof);
        return RN_ENOMEM;
    }
    json_object_set_new(signed_doc, "proof", proof);
    *out = signed_doc;
    return 0;
}
