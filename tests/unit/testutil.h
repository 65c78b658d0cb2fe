/*
 * testutil.h: small helpers shared by the unit tests (linked into every one by rn_unit_test).
 *
 * Tests that open replicas, key files or sockets work in their own mkdtemp directory under /tmp
 * and remove it when they end; the removal lives here once instead of in every test.
 */
#ifndef RN_TESTUTIL_H
#define RN_TESTUTIL_H

#include <stdbool.h>

#include "store/query.h"

/* Removes `path` and everything below it (files, subdirectories; symbolic links are removed, not
 * followed). Returns 0, or -1 with errno from the last removal that failed. */
int test_rmtree(const char *path);

/* Whether two answers of query_recognise say the same, field by field: strings up to their NUL,
 * lists up to their counts (an answer leaves the room behind them as it finds it, so whole-struct
 * comparisons are wrong). */
bool test_recognition_equal(const query_recognition *a, const query_recognition *b);

#endif /* RN_TESTUTIL_H */
