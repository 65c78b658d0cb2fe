/*
 * fuzz_nquads.c: libFuzzer harness for the N-Quads parser and RDFC-1.0 (cred/nquads.h,
 * cred/rdfc.h).
 *
 * The parser reads text from outside (test suites, operators). Beside not crashing, the
 * harness checks that
 *  - a refused input names a line within the input and one of the parser's codes;
 *  - an accepted dataset canonicalizes (or is refused by the work bound, RN_ETOOBIG), and its
 *    canonical N-Quads parse back into a dataset whose canonical form is the same bytes
 *    (canonicalization is idempotent and the writer's output is valid input);
 *  - the canonical form has one quad a line, each ending in " .".
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "cred/nquads.h"
#include "cred/rdfc.h"
#include "proto/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        RN_ASSERT(sodium_init() >= 0);
        ready = true;
    }
    cred_dataset ds;
    cred_dataset_init(&ds, 2000);
    size_t line = 0;
    int rc = cred_nq_parse(&ds, (const char *)data, size, &line);
    if (rc < 0) {
        RN_ASSERT(rc == RN_EMALFORMED || rc == RN_EUTF8 || rc == RN_ETOOBIG || rc == RN_ENOMEM);
        RN_ASSERT(line >= 1 && line <= size + 1);
        cred_dataset_free(&ds);
        return 0;
    }
    cred_buf a;
    cred_buf_init(&a, CRED_RDFC_OUT_MAX);
    rc = cred_rdfc_canonize(&ds, &a, NULL);
    RN_ASSERT(rc == 0 || rc == RN_ETOOBIG);
    if (rc == 0) {
        RN_ASSERT(a.len == 0 || (a.len >= 3 && memcmp(a.data + a.len - 3, " .\n", 3) == 0));
        cred_dataset again;
        cred_dataset_init(&again, 2000);
        RN_ASSERT(cred_nq_parse(&again, a.data ? a.data : "", a.len, &line) == 0);
        cred_buf b;
        cred_buf_init(&b, CRED_RDFC_OUT_MAX);
        RN_ASSERT(cred_rdfc_canonize(&again, &b, NULL) == 0);
        RN_ASSERT(a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0));
        cred_buf_free(&b);
        cred_dataset_free(&again);
    }
    cred_buf_free(&a);
    cred_dataset_free(&ds);
    return 0;
}
