/*
 * testutil.h: small helpers shared by the unit tests (linked into every one by rn_unit_test).
 *
 * Tests that open replicas, key files or sockets work in their own mkdtemp directory under /tmp
 * and remove it when they end; the removal lives here once instead of in every test.
 */
#ifndef RN_TESTUTIL_H
#define RN_TESTUTIL_H

/* Removes `path` and everything below it (files, subdirectories; symbolic links are removed, not
 * followed). Returns 0, or -1 with errno from the last removal that failed. */
int test_rmtree(const char *path);

#endif /* RN_TESTUTIL_H */
