/*
 * fuzz_jsonld.c: libFuzzer harness for JSON-LD to RDF and the Data Integrity verifier
 * (cred/jsonld.h, cred/di.h).
 *
 * Credentials arrive from anyone, and their @context decides how they are read. Beside not
 * crashing, the harness checks that
 *  - a refused document gives one of the codes cred/jsonld.h lists and a reason;
 *  - every quad of an accepted document is well formed: an IRI or blank node subject, an IRI
 *    predicate, a graph name that is an IRI or blank node, every IRI absolute;
 *  - the dataset canonicalizes (or meets the work bound);
 *  - cred_di_verify answers with a code and a reason, calls the resolver at most once per
 *    proof, and never verifies a proof whose signature is not by the fixed key (every key the
 *    resolver gives is one whose secret no input knows).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "cred/di.h"
#include "cred/jsonld.h"
#include "cred/rdfc.h"
#include "proto/error.h"

static unsigned calls;

static int resolve(void *ctx, const char *vm, uint8_t pk[32])
{
    (void)ctx;
    (void)vm;
    calls++;
    memset(pk, 0x42, 32); /* not a key anyone holds the secret of */
    return 0;
}

static bool absolute(const char *s)
{
    const char *c = strchr(s, ':');
    return c && c != s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        RN_ASSERT(sodium_init() >= 0);
        ready = true;
    }
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!doc)
        return 0;
    cred_dataset ds;
    cred_dataset_init(&ds, 5000);
    char err[CRED_JSONLD_ERR_CHARS];
    int rc = cred_jsonld_to_rdf(doc, &ds, err, sizeof(err));
    if (rc < 0) {
        RN_ASSERT(rc == RN_ENOTFOUND || rc == RN_EMALFORMED || rc == RN_EINVAL ||
                  rc == RN_ETOOBIG || rc == RN_ENOMEM);
        RN_ASSERT(err[0] != '\0');
    } else {
        for (size_t i = 0; i < ds.n; i++) {
            const cred_quad *q = &ds.q[i];
            RN_ASSERT(q->s.kind == CRED_TERM_IRI || q->s.kind == CRED_TERM_BNODE);
            RN_ASSERT(q->p.kind == CRED_TERM_IRI && absolute(q->p.value));
            RN_ASSERT(q->o.kind != CRED_TERM_NONE);
            RN_ASSERT(q->g.kind == CRED_TERM_NONE || q->g.kind == CRED_TERM_IRI ||
                      q->g.kind == CRED_TERM_BNODE);
            if (q->s.kind == CRED_TERM_IRI)
                RN_ASSERT(absolute(q->s.value));
            if (q->o.kind == CRED_TERM_IRI)
                RN_ASSERT(absolute(q->o.value));
        }
        cred_buf b;
        cred_buf_init(&b, CRED_RDFC_OUT_MAX);
        rc = cred_rdfc_canonize(&ds, &b, NULL);
        RN_ASSERT(rc == 0 || rc == RN_ETOOBIG);
        cred_buf_free(&b);
    }
    cred_dataset_free(&ds);
    cred_di_result res;
    calls = 0;
    rc = cred_di_verify(doc, resolve, NULL, &res);
    RN_ASSERT(rc < 0 && res.code == rc && res.reason[0] != '\0');
    RN_ASSERT(calls <= res.proofs);
    json_decref(doc);
    return 0;
}
