/*
 * keyfile_test.c: the secret key file on disk (conf/keyfile.h).
 *
 * Each test works in its own mkdtemp directory under /tmp and removes it. Covered: the file is
 * created 0600 whatever the umask and reads back; an existing file, directory or symbolic link
 * (dangling or not) is never overwritten; group- or world-accessible files are refused before
 * they are read; truncated, garbage, oversized and non-regular files are refused; a missing file
 * is RN_EIO with ENOENT.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/keyfile.h"

typedef struct fixture {
    char dir[64];
    char path[128]; /* dir/node.key */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    memcpy(f->dir, "/tmp/recnet-keyfile-XXXXXX", sizeof("/tmp/recnet-keyfile-XXXXXX"));
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof(f->path), "%s/node.key", f->dir);
    *state = f;
    return 0;
}

/* Removes every entry of the fixture's directory (it holds no subdirectories except those a
 * test made and removed itself), then the directory. */
static int teardown(void **state)
{
    fixture *f = *state;
    const char *names[] = { "node.key", "link.key", "dangling.key", "dir.key", "fifo.key" };
    char p[192];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", f->dir, names[i]);
        if (unlink(p) != 0)
            rmdir(p);
    }
    int rc = rmdir(f->dir);
    free(f);
    return rc;
}

static void seed_fill(uint8_t seed[PROTO_SEED_BYTES], uint8_t base)
{
    for (unsigned i = 0; i < PROTO_SEED_BYTES; i++)
        seed[i] = (uint8_t)(base + i);
}

static void write_raw(const char *path, const void *p, size_t n, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, p, n), (ssize_t)n);
    assert_int_equal(fchmod(fd, mode), 0);
    assert_int_equal(close(fd), 0);
}

static void test_write_read(void **state)
{
    fixture *f = *state;
    uint8_t seed[PROTO_SEED_BYTES], got[PROTO_SEED_BYTES], pk[PROTO_KEY_BYTES],
        want[PROTO_KEY_BYTES], sk[PROTO_SK_BYTES];
    struct stat st;
    int err = -1;

    seed_fill(seed, 5);
    proto_key_sk_derive(seed, sk, want);
    mode_t old = umask(0); /* a careless umask must not loosen the mode */
    int rc = conf_keyfile_write(f->path, seed, &err);
    umask(old);
    assert_int_equal(rc, 0);
    assert_int_equal(err, 0);
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_size, PROTO_KEY_FILE_LEN);

    assert_int_equal(conf_keyfile_read(f->path, got, pk, &err, NULL), 0);
    assert_memory_equal(got, seed, PROTO_SEED_BYTES);
    assert_memory_equal(pk, want, PROTO_KEY_BYTES);
}

static void test_write_strict_umask(void **state)
{
    fixture *f = *state;
    uint8_t seed[PROTO_SEED_BYTES];
    struct stat st;
    seed_fill(seed, 6);
    mode_t old = umask(0277);
    int rc = conf_keyfile_write(f->path, seed, NULL);
    umask(old);
    assert_int_equal(rc, 0);
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
}

static void test_generate(void **state)
{
    fixture *f = *state;
    uint8_t pk[PROTO_KEY_BYTES], pk2[PROTO_KEY_BYTES], seed[PROTO_SEED_BYTES], sk[PROTO_SK_BYTES],
        derived[PROTO_KEY_BYTES];
    int err = -1;

    assert_int_equal(conf_keyfile_generate(f->path, pk, &err), 0);
    assert_int_equal(conf_keyfile_read(f->path, seed, pk2, &err, NULL), 0);
    assert_memory_equal(pk, pk2, PROTO_KEY_BYTES);
    proto_key_sk_derive(seed, sk, derived);
    assert_memory_equal(derived, pk, PROTO_KEY_BYTES);
    /* A second generation never replaces the first key. */
    assert_int_equal(conf_keyfile_generate(f->path, pk2, &err), RN_EEXIST);
    assert_int_equal(err, EEXIST);
    assert_int_equal(conf_keyfile_read(f->path, seed, pk2, &err, NULL), 0);
    assert_memory_equal(pk, pk2, PROTO_KEY_BYTES);
}

static void test_write_exists(void **state)
{
    fixture *f = *state;
    uint8_t seed[PROTO_SEED_BYTES], got[PROTO_SEED_BYTES], pk[PROTO_KEY_BYTES];
    char p[192];
    int err = 0;

    seed_fill(seed, 1);
    assert_int_equal(conf_keyfile_write(f->path, seed, &err), 0);
    seed_fill(seed, 2);
    assert_int_equal(conf_keyfile_write(f->path, seed, &err), RN_EEXIST);
    assert_int_equal(err, EEXIST);
    /* The first key is intact. */
    assert_int_equal(conf_keyfile_read(f->path, got, pk, &err, NULL), 0);
    seed_fill(seed, 1);
    assert_memory_equal(got, seed, PROTO_SEED_BYTES);

    /* A symbolic link to it, and a dangling one: neither is followed. */
    snprintf(p, sizeof(p), "%s/link.key", f->dir);
    assert_int_equal(symlink(f->path, p), 0);
    assert_int_equal(conf_keyfile_write(p, seed, &err), RN_EEXIST);
    snprintf(p, sizeof(p), "%s/dangling.key", f->dir);
    assert_int_equal(symlink("/tmp/recnet-keyfile-test-nowhere", p), 0);
    assert_int_equal(conf_keyfile_write(p, seed, &err), RN_EEXIST);
    assert_int_equal(access("/tmp/recnet-keyfile-test-nowhere", F_OK), -1);
    /* A directory. */
    snprintf(p, sizeof(p), "%s/dir.key", f->dir);
    assert_int_equal(mkdir(p, 0700), 0);
    assert_int_equal(conf_keyfile_write(p, seed, &err), RN_EEXIST);
}

static void test_write_errors(void **state)
{
    (void)state;
    uint8_t seed[PROTO_SEED_BYTES];
    int err = 0;
    seed_fill(seed, 1);
    assert_int_equal(conf_keyfile_write("", seed, &err), RN_EINVAL);
    assert_int_equal(conf_keyfile_write("/tmp/recnet-no-such-dir-1234/x.key", seed, &err), RN_EIO);
    assert_int_equal(err, ENOENT);
}

static void test_read_perm(void **state)
{
    fixture *f = *state;
    uint8_t seed[PROTO_SEED_BYTES], got[PROTO_SEED_BYTES], pk[PROTO_KEY_BYTES];
    static const mode_t bad[] = { 0640, 0644, 0604, 0660, 0666, 0610, 0601, 0602, 0620, 0700 | 07 };
    static const mode_t good[] = { 0600, 0400, 0700 };
    rn_diag d = { 0 };

    seed_fill(seed, 3);
    assert_int_equal(conf_keyfile_write(f->path, seed, NULL), 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(chmod(f->path, bad[i]), 0);
        memset(got, 0x55, sizeof(got));
        assert_int_equal(conf_keyfile_read(f->path, got, pk, NULL, &d), RN_EKEYPERM);
        assert_int_equal(d.code, RN_EKEYPERM);
        for (size_t k = 0; k < sizeof(got); k++)
            assert_int_equal(got[k], 0);
    }
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_int_equal(chmod(f->path, good[i]), 0);
        assert_int_equal(conf_keyfile_read(f->path, got, pk, NULL, NULL), 0);
        assert_memory_equal(got, seed, PROTO_SEED_BYTES);
    }
    /* A symbolic link is followed on read, and the target's mode is what counts. */
    char p[192];
    snprintf(p, sizeof(p), "%s/link.key", f->dir);
    assert_int_equal(symlink(f->path, p), 0);
    assert_int_equal(chmod(f->path, 0600), 0);
    assert_int_equal(conf_keyfile_read(p, got, pk, NULL, NULL), 0);
    assert_int_equal(chmod(f->path, 0644), 0);
    assert_int_equal(conf_keyfile_read(p, got, pk, NULL, NULL), RN_EKEYPERM);
}

static void test_read_bad_files(void **state)
{
    fixture *f = *state;
    uint8_t seed[PROTO_SEED_BYTES], got[PROTO_SEED_BYTES], pk[PROTO_KEY_BYTES];
    char text[PROTO_KEY_FILE_LEN + 1];
    static char big[PROTO_KEY_FILE_BYTES_MAX + 1];
    rn_diag d = { 0 };
    int err = 0;

    /* Missing. */
    assert_int_equal(conf_keyfile_read(f->path, got, pk, &err, NULL), RN_EIO);
    assert_int_equal(err, ENOENT);

    seed_fill(seed, 4);
    proto_key_file_format(seed, text);
    /* Empty, truncated at several points, garbage. */
    size_t cuts[] = { 0, 1, 56, 64, 100, 108, 140, PROTO_KEY_FILE_LEN - 2 };
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        write_raw(f->path, text, cuts[i], 0600);
        assert_int_equal(conf_keyfile_read(f->path, got, pk, &err, &d), RN_EKEYFILE);
    }
    write_raw(f->path,
              "\x7f"
              "ELF\x02\x01\x01\0\0\0\0",
              12, 0600);
    assert_int_equal(conf_keyfile_read(f->path, got, pk, &err, &d), RN_EKEYFILE);
    /* Exactly at the bound (padded with comments) is fine; one byte more is too big. */
    size_t pad = PROTO_KEY_FILE_BYTES_MAX - PROTO_KEY_FILE_LEN;
    memset(big, '#', pad);
    big[pad - 1] = '\n';
    memcpy(big + pad, text, PROTO_KEY_FILE_LEN);
    write_raw(f->path, big, PROTO_KEY_FILE_BYTES_MAX, 0600);
    assert_int_equal(conf_keyfile_read(f->path, got, pk, &err, &d), 0);
    assert_memory_equal(got, seed, PROTO_SEED_BYTES);
    memmove(big + 1, big, PROTO_KEY_FILE_BYTES_MAX);
    write_raw(f->path, big, PROTO_KEY_FILE_BYTES_MAX + 1, 0600);
    assert_int_equal(conf_keyfile_read(f->path, got, pk, &err, &d), RN_ETOOBIG);

    /* A directory and a FIFO are not key files (and the FIFO must not block us). */
    char p[192];
    snprintf(p, sizeof(p), "%s/dir.key", f->dir);
    assert_int_equal(mkdir(p, 0700), 0);
    assert_int_equal(conf_keyfile_read(p, got, pk, &err, &d), RN_EKEYFILE);
    snprintf(p, sizeof(p), "%s/fifo.key", f->dir);
    assert_int_equal(mkfifo(p, 0600), 0);
    assert_int_equal(conf_keyfile_read(p, got, pk, &err, &d), RN_EKEYFILE);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_write_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_strict_umask, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_exists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_perm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_bad_files, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
